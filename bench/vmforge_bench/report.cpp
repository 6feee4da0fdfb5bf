#include "bench/vmforge_bench/report.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace vmforge::bench {

namespace json = boost::json;

namespace {

double per_s(long n, double seconds) {
  return seconds > 0 ? n / seconds : 0;
}

json::object distribution(const latency& l) {
  return {{"count", l.count()},
          {"p50_ms", l.percentile_ms(0.50)},
          {"p90_ms", l.percentile_ms(0.90)},
          {"p99_ms", l.percentile_ms(0.99)},
          {"max_ms", l.max_ms()},
          {"mean_ms", l.mean_ms()}};
}

template <class... Ts>
std::string line(const char* fmt, Ts... xs) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, xs...);
  return buf;
}

double num(const json::value& v) {
  return v.to_number<double>();
}

} // namespace

json::value results(const options& opts, const stats& st) {
  double secs = st.seconds();
  json::object calls;
  for (auto& [name, call] : st.calls) {
    auto d = distribution(call.time);
    d["per_s"] = per_s(static_cast<long>(call.time.count()), secs);
    json::object statuses;
    for (auto& [status, n] : call.statuses)
      statuses[std::to_string(status)] = n;
    d["statuses"] = std::move(statuses);
    calls[name] = std::move(d);
  }
  json::object errors;
  for (auto& [what, n] : st.errors)
    errors[what] = n;
  json::array timeline;
  for (auto& s : st.timeline)
    timeline.push_back(json::object{{"t", s.t},
                                    {"requests", s.requests},
                                    {"builds", s.builds},
                                    {"cycles", s.cycles},
                                    {"inflight_requests", s.inflight_requests},
                                    {"inflight_servers", s.inflight_servers}});
  json::object out{
    {"tool", "vmforge-bench"},
    {"scenario", opts.scenario},
    {"parameters", json::object{{"endpoint", opts.endpoint},
                                {"project", opts.project},
                                {"flavor", opts.flavor},
                                {"image", opts.image},
                                {"networks", opts.networks},
                                {"microversion", opts.microversion},
                                {"connections", opts.connections},
                                {"concurrency", opts.concurrency},
                                {"count", opts.count},
                                {"rate", opts.rate},
                                {"duration_s", opts.duration.count() / 1000.0},
                                {"poll_interval_ms", opts.poll_interval.count()}}},
    {"seconds", secs},
    {"requests", st.requests},
    {"requests_per_s", per_s(st.requests, secs)},
    {"builds", st.builds},
    {"builds_per_s", per_s(st.builds, secs)},
    {"cycles", st.cycles},
    {"cycles_per_s", per_s(st.cycles, secs)},
    {"calls", std::move(calls)},
    {"time_to_active", distribution(st.time_to_active)},
    {"cycle_time", distribution(st.cycle)},
    {"queue_wait", distribution(st.queue_wait)},
    {"errors", json::object{{"total", st.error_count()}, {"by_kind", std::move(errors)}}},
    {"timeline", std::move(timeline)},
  };
  if (st.all_active.count() > 0)
    out["all_active_s"] = st.all_active.max_ms() / 1000.0;
  return out;
}

std::string summary(const json::value& results) {
  auto& r = results.as_object();
  std::string out = "scenario " + std::string{r.at("scenario").as_string()} + "\n";
  out += line("%.1f s, %.0f requests/s, %.0f builds/s, %.0f cycles/s, %.0f errors\n",
              num(r.at("seconds")), num(r.at("requests_per_s")), num(r.at("builds_per_s")),
              num(r.at("cycles_per_s")), num(r.at("errors").at("total")));
  auto row = [&](const std::string& name, const json::value& d) {
    out += name + ": " + std::to_string(d.at("count").to_number<long>()) + " ";
    out += line("p50 %.2f  p90 %.2f  p99 %.2f  max %.2f ms\n", num(d.at("p50_ms")),
                num(d.at("p90_ms")), num(d.at("p99_ms")), num(d.at("max_ms")));
  };
  for (auto& [name, d] : r.at("calls").as_object())
    row(std::string{name}, d);
  for (auto name : {"time_to_active", "cycle_time", "queue_wait"})
    if (r.at(name).at("count").to_number<long>() > 0)
      row(name, r.at(name));
  if (auto a = r.if_contains("all_active_s"))
    out += line("all ACTIVE after %.2f s\n", num(*a));
  for (auto& [what, n] : r.at("errors").at("by_kind").as_object())
    out += "error " + std::string{what} + ": " + std::to_string(n.to_number<long>()) + "\n";
  return out;
}

} // namespace vmforge::bench
