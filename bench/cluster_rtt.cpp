// vmforge-bench-cluster-rtt: request/response round trips to one compute
// manager (fake driver), in this process and in another process over BASP
// as a controller reaches a joined compute (heartbeats on, as vmforged
// sets them), alternating in blocks so that the VM's drift hits both alike.
// Prints p50/p99/mean in microseconds and the ratios. See docs/scaling.md.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "app/pipeline.hpp"
#include "app/process.hpp"
#include "util/log.hpp"

using namespace vmforge;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto timeout = std::chrono::seconds{5};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "vmforge-bench-cluster-rtt: %s\n", what.c_str());
  std::exit(1);
}

// The whole pipeline with one fake host, so that the compute manager has
// the store and scheduler it talks to, exactly as in service.
struct one_host {
  std::unique_ptr<pipeline> p;
  compute_actor compute;
};

one_host start_host(caf::actor_system& sys, const options& opts) {
  auto p = pipeline::start(sys, opts, fake_driver_factory(opts.fake_driver));
  if (!p)
    fail("cannot start: " + sys.render(p.error()));
  one_host h{std::move(*p), {}};
  caf::scoped_actor self{sys};
  self->request(h.p->supervisor, timeout, get_compute{opts.hosts.front().name})
    .receive([&](compute_actor& c) { h.compute = c; },
             [&](caf::error& e) { fail("get_compute: " + sys.render(e)); });
  return h;
}

void round_trips(caf::scoped_actor& self, const compute_actor& c, int n,
                 std::vector<double>& us) {
  for (int i = 0; i < n; ++i) {
    auto t0 = clock_type::now();
    self->request(c, timeout, get_host_usage{})
      .receive([](host_usage&) {},
               [&](caf::error& e) {
                 fail("get_host_usage: " + self->system().render(e));
               });
    us.push_back(
      std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
  }
}

double percentile(std::vector<double> xs, double p) {
  std::sort(xs.begin(), xs.end());
  auto idx = static_cast<size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
  return xs[std::min(idx, xs.size() - 1)];
}

double mean(const std::vector<double>& xs) {
  return std::accumulate(xs.begin(), xs.end(), 0.0)
         / static_cast<double>(xs.size());
}

void init_system_config(caf::actor_system_config& cfg, const options& opts) {
  configure(cfg);
  configure_cluster(cfg, opts);
}

// The far end: publishes its compute manager on a loopback port, writes the
// port to stdout and serves until stdin reaches EOF (the parent closed it,
// or died).
int serve(const options& opts) {
  caf::actor_system_config cfg;
  init_system_config(cfg, opts);
  caf::actor_system sys{cfg};
  auto h = start_host(sys, opts);
  auto port = sys.middleman().publish(h.compute, 0, "127.0.0.1", true);
  if (!port)
    fail("publish: " + sys.render(port.error()));
  std::printf("%u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  char c;
  while (::read(0, &c, 1) > 0) {
  }
  sys.middleman().unpublish(h.compute, *port);
  h.p->stop();
  return 0;
}

struct child {
  pid_t pid = -1;
  int to_child = -1;
  uint16_t port = 0;
};

// Before this process starts any thread: fork and threads do not mix.
child spawn_server(const char* self_exe) {
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0)
    fail("pipe: " + std::string{std::strerror(errno)});
  child ch;
  ch.pid = ::fork();
  if (ch.pid < 0)
    fail("fork: " + std::string{std::strerror(errno)});
  if (ch.pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    ::execl(self_exe, self_exe, "--serve", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ch.to_child = in[1];
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n')
    line += c;
  ::close(out[0]);
  if (line.empty())
    fail("the serving process published nothing");
  ch.port = static_cast<uint16_t>(std::stoi(line));
  return ch;
}

compute_actor connect(caf::actor_system& sys, uint16_t port) {
  caf::scoped_actor self{sys};
  compute_actor remote;
  self
    ->request(sys.middleman().actor_handle(), timeout, caf::connect_atom_v,
              std::string{"127.0.0.1"}, port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr,
          const std::set<std::string>& ifs) {
        if (!ptr || !sys.assignable<compute_actor>(ifs))
          fail("no compute manager published on port " + std::to_string(port));
        remote = caf::actor_cast<compute_actor>(ptr);
      },
      [&](caf::error& e) { fail("connect: " + sys.render(e)); });
  return remote;
}

void print(const char* name, const std::vector<double>& us) {
  std::printf("%s_p50_us=%.1f %s_p99_us=%.1f %s_mean_us=%.1f ", name,
              percentile(us, 0.50), name, percentile(us, 0.99), name,
              mean(us));
}

} // namespace

int main(int argc, char** argv) {
  int requests = 20000;
  int blocks = 10;
  bool serving = false;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) {
      return !std::strcmp(argv[i], name) && i + 1 < argc;
    };
    if (!std::strcmp(argv[i], "--serve"))
      serving = true;
    else if (arg("--requests"))
      requests = std::atoi(argv[++i]);
    else if (arg("--blocks"))
      blocks = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--requests N] [--blocks B]\n", argv[0]);
      return 2;
    }
  }
  if (requests < blocks || blocks < 1) {
    std::fprintf(stderr, "%s: --requests must be at least --blocks (>= 1)\n",
                 argv[0]);
    return 2;
  }
  log::set_level(log::level::error);
  auto opts = default_options(1);
  if (serving)
    return serve(opts);
  auto ch = spawn_server("/proc/self/exe");
  int status = 0;
  {
    caf::actor_system_config cfg;
    init_system_config(cfg, opts);
    caf::actor_system sys{cfg};
    auto local = start_host(sys, opts);
    auto remote = connect(sys, ch.port);
    caf::scoped_actor self{sys};
    std::vector<double> in_process;
    std::vector<double> basp;
    std::vector<double> discard;
    // Warm-up: the connection's buffers, the allocator, the worker threads.
    round_trips(self, local.compute, requests / 10, discard);
    round_trips(self, remote, requests / 10, discard);
    auto per_block = requests / blocks;
    for (int b = 0; b < blocks; ++b) {
      round_trips(self, local.compute, per_block, in_process);
      round_trips(self, remote, per_block, basp);
    }
    std::printf("rtt requests=%zu ", basp.size());
    print("in_process", in_process);
    print("basp", basp);
    std::printf("p50_ratio=%.2f p99_ratio=%.2f\n",
                percentile(basp, 0.50) / percentile(in_process, 0.50),
                percentile(basp, 0.99) / percentile(in_process, 0.99));
    std::fflush(stdout);
    local.p->stop();
  }
  ::close(ch.to_child);
  ::waitpid(ch.pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
