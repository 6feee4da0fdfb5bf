#include "bench/vmforge_bench/plots.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace vmforge::bench {

namespace {

// A CDF needs no more points than a plot has pixels across.
constexpr size_t cdf_points = 1000;

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A single-quoted string for gnuplot (`''` is a quote in it) or for the
// shell (`'\''`).
std::string quoted(const std::string& s, const char* quote = "''") {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string{quote} : std::string{c};
  return out + "'";
}

void write_latency(std::ofstream& out, const stats& st) {
  // One block per call (gnuplot's `index`): latency ms, fraction at or below.
  for (auto& [name, call] : st.calls) {
    auto ms = call.time.sorted_ms();
    out << "# " << name << "\n";
    size_t step = ms.size() > cdf_points ? ms.size() / cdf_points : 1;
    for (size_t i = step - 1; i < ms.size(); i += step)
      out << ms[i] << ' ' << double(i + 1) / ms.size() << "\n";
    if (ms.size() % step != 0) // the maximum, always
      out << ms.back() << " 1\n";
    out << "\n\n";
  }
}

void write_timeline(std::ofstream& out, const stats& st) {
  // t, requests/s and builds/s over the interval before t, in flight at t;
  // the start too, so that a run shorter than a tick still has a point.
  out << "0 0 0 0 0\n";
  for (size_t i = 1; i < st.timeline.size(); ++i) {
    auto& a = st.timeline[i - 1];
    auto& b = st.timeline[i];
    double dt = b.t - a.t;
    if (dt < 0.05) // the closing sample, just after the last tick
      continue;
    out << b.t << ' ' << (b.requests - a.requests) / dt << ' '
        << (b.builds - a.builds) / dt << ' ' << b.inflight_requests << ' '
        << b.inflight_servers << "\n";
  }
}

std::string script(const std::string& name, const stats& st) {
  std::string s = "set terminal pngcairo size 900,560 noenhanced\nset grid\nset key left top\n";
  s += "set output " + quoted(name + "-latency.png") + "\n";
  s += "set title 'Latency CDF per call'\nset xlabel 'latency (ms)'\nset logscale x\n"
       "set ylabel 'fraction of calls'\nset yrange [0:1]\n";
  std::string plots;
  int index = 0;
  for (auto& [call, _] : st.calls)
    plots += (plots.empty() ? "plot " : ", ") + quoted(name + "-latency.dat") + " index "
             + std::to_string(index++) + " using 1:2 with lines lw 2 title " + quoted(call);
  s += (plots.empty() ? "plot 0 notitle" : plots) + "\n";
  s += "unset logscale x\nset autoscale y\nset yrange [0:*]\nset key left top\n";
  s += "set output " + quoted(name + "-timeline.png") + "\n";
  s += "set title 'Throughput and in flight'\nset xlabel 'time (s)'\n"
       "set ylabel 'per second'\nset y2label 'in flight'\nset y2tics\nset y2range [0:*]\n";
  auto dat = quoted(name + "-timeline.dat");
  s += "plot " + dat + " using 1:2 with lines lw 2 title 'requests/s', "
       + dat + " using 1:3 with lines lw 2 title 'builds/s', "
       + dat + " using 1:4 axes x1y2 with lines title 'requests in flight', "
       + dat + " using 1:5 axes x1y2 with lines title 'servers in flight'\n";
  return s;
}

} // namespace

bool write_plots(const std::string& prefix, const stats& st) {
  std::ofstream latency_dat{prefix + "-latency.dat"};
  std::ofstream timeline_dat{prefix + "-timeline.dat"};
  std::ofstream gp{prefix + ".gp"};
  if (!latency_dat || !timeline_dat || !gp) {
    std::fprintf(stderr, "vmforge-bench: cannot write %s-*\n", prefix.c_str());
    return false;
  }
  write_latency(latency_dat, st);
  write_timeline(timeline_dat, st);
  auto name = base_name(prefix);
  gp << script(name, st);
  latency_dat.close();
  timeline_dat.close();
  gp.close();
  auto slash = prefix.rfind('/');
  auto dir = slash == std::string::npos ? std::string{"."} : prefix.substr(0, slash + 1);
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    std::fprintf(stderr, "vmforge-bench: no gnuplot, no PNG (data and script in %s-*)\n",
                 prefix.c_str());
    return false;
  }
  auto cmd = "cd " + quoted(dir, "'\\''") + " && gnuplot " + quoted(name + ".gp", "'\\''");
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "vmforge-bench: gnuplot failed on %s.gp\n", prefix.c_str());
    return false;
  }
  return true;
}

} // namespace vmforge::bench
