// vmforge-bench-pipeline: drives the build pipeline in-process with the
// fake driver and reports builds/s, submit->ACTIVE latency, memory per
// in-flight build, and the scheduler's decision time. See docs/benchmarks.md.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/scheduler/host_selector.hpp"
#include "app/pipeline.hpp"
#include "util/log.hpp"

using namespace vmforge;
using clock_type = std::chrono::steady_clock;

namespace {

struct args {
  std::vector<int> hosts{100, 1000};
  int builds = 50000;
  int inflight_builds = 20000;
  std::vector<int> sched_hosts{10, 100, 1000, 10000};
  int sched_decisions = 20000;
  /// Builds on 10 hosts with libvirt's test:///default hypervisor, and
  /// (the baseline, same run) with the fake driver.
  int driver_builds = 20000;
};

std::vector<int> parse_list(const char* text) {
  std::vector<int> out;
  std::string s{text};
  size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = s.find(',', pos);
    auto item = s.substr(pos, comma == std::string::npos ? std::string::npos
                                                         : comma - pos);
    if (!item.empty())
      out.push_back(std::stoi(item));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0.0;
  std::sort(xs.begin(), xs.end());
  auto idx = static_cast<size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
  return xs[std::min(idx, xs.size() - 1)];
}

long rss_kib() {
  std::ifstream statm{"/proc/self/statm"};
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int max_builds_per_host = 10;

options bench_options(int hosts) {
  auto opts = default_options(hosts);
  opts.quota = quota_limits{-1, -1, -1};
  opts.max_concurrent_builds = max_builds_per_host;
  return opts;
}

create_servers make_request(const options& opts, int i) {
  create_servers req;
  req.ctx = {"bench", "bench", false, {}, {}};
  req.name = "bench-" + std::to_string(i);
  req.flavor_ref = "1";
  req.image_ref = opts.images.front().id;
  return req;
}

struct burst_result {
  double seconds = 0;
  std::vector<double> latency_ms;
  int active = 0;
  int error = 0;
};

// Submits `n` creates, keeping at most `window` builds between submission
// and their final state (ACTIVE or ERROR): a closed loop, so the latency is
// the pipeline's at that concurrency rather than the length of a backlog.
burst_result run_burst(caf::actor_system& sys, pipeline& p, int n, int window) {
  burst_result res;
  caf::scoped_actor self{sys};
  self->send(p.store, subscribe_transitions{caf::actor{self}, true});
  std::unordered_map<std::string, clock_type::time_point> submitted;
  std::unordered_map<std::string, clock_type::time_point> finished;
  std::vector<clock_type::time_point> send_time(static_cast<size_t>(n));
  int sent = 0;
  int replies = 0;
  int done = 0;
  auto start = clock_type::now();
  while (done < n) {
    while (sent < n && sent - done < window) {
      send_time[static_cast<size_t>(sent)] = clock_type::now();
      self->send(p.api, make_request(p.opts(), sent));
      ++sent;
    }
    self->receive(
      [&](servers_created& r) {
        // Replies come back in send order from the one API handler.
        auto t0 = send_time[static_cast<size_t>(replies)];
        ++replies;
        auto& id = r.ids.front();
        auto f = finished.find(id);
        if (f != finished.end()) {
          res.latency_ms.push_back(
            std::chrono::duration<double, std::milli>(f->second - t0).count());
          finished.erase(f);
        } else {
          submitted.emplace(id, t0);
        }
      },
      [&](instance_transition& t) {
        if (t.vm == vm_state::deleted)
          return;
        ++done;
        (t.vm == vm_state::active ? res.active : res.error) += 1;
        auto now = clock_type::now();
        auto s = submitted.find(t.id);
        if (s != submitted.end()) {
          res.latency_ms.push_back(
            std::chrono::duration<double, std::milli>(now - s->second).count());
          submitted.erase(s);
        } else {
          finished.emplace(t.id, now);
        }
      },
      [&](caf::error& err) {
        std::fprintf(stderr, "create failed: %s\n",
                     sys.render(err).c_str());
        ++replies;
        ++done;
      });
  }
  res.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return res;
}

// The floor of the measurement: the same number of request/response round
// trips through one trivial actor, from the same kind of client.
double echo_round_trips_per_s(caf::actor_system& sys, int n, int window) {
  // (The unused argument: CAF 0.17 dereferences a null argument tuple when
  // spawning a function without arguments, which UBSan rightly reports.)
  auto echo = sys.spawn(
    [](int) -> caf::behavior { return {[](int x) { return x; }}; }, 0);
  caf::scoped_actor self{sys};
  int sent = 0;
  int got = 0;
  auto start = clock_type::now();
  while (got < n) {
    while (sent < n && sent - got < window) {
      self->send(echo, sent);
      ++sent;
    }
    self->receive([&](int) { ++got; });
  }
  auto secs = std::chrono::duration<double>(clock_type::now() - start).count();
  self->send_exit(echo, caf::exit_reason::user_shutdown);
  return n / secs;
}

void bench_pipeline(caf::actor_system& sys, int hosts, int builds,
                    options opts, const driver_factory& make_driver,
                    const char* driver_name) {
  auto p = pipeline::start(sys, opts, make_driver);
  if (!p) {
    std::fprintf(stderr, "cannot start: %s\n", sys.render(p.error()).c_str());
    std::exit(1);
  }
  // Warm-up (allocators, worker threads), then the measured burst.
  run_burst(sys, **p, std::min(builds / 10, 5000), 2000);
  auto base = echo_round_trips_per_s(sys, builds, 2000);
  auto r = run_burst(sys, **p, builds, 2000);
  auto rate = builds / r.seconds;
  std::printf("pipeline driver=%s hosts=%d builds=%d active=%d error=%d "
              "seconds=%.3f builds_per_s=%.0f p50_ms=%.2f p99_ms=%.2f "
              "echo_rtt_per_s=%.0f builds_per_echo_rtt=%.3f "
              "peak_rss_kib=%ld\n",
              driver_name, hosts, builds, r.active, r.error, r.seconds, rate,
              percentile(r.latency_ms, 0.50), percentile(r.latency_ms, 0.99),
              base, rate / base, peak_rss_kib());
  (*p)->stop();
}

// The same builds through libvirt (test:///default) and the fake driver:
// what the real driver interface costs over the in-memory one.
void bench_drivers(caf::actor_system& sys, int builds) {
  auto dir = std::filesystem::temp_directory_path()
             / ("vmforge-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto opts = bench_options(10);
  for (auto& h : opts.hosts)
    h.capacity = {100000, 100000000, 1000000}; // the test node is small
  // The embedded catalog makes a blank qcow2 disk of a missing file; each
  // host's image cache downloads it once into instances_path/_base.
  auto& img = opts.images.front();
  img.file = (dir / "image.qcow2").string();
  opts.instances_path = (dir / "instances").string();
  bench_pipeline(sys, 10, builds, opts, fake_driver_factory(opts.fake_driver),
                 "fake");
  opts.compute_driver = "libvirt.LibvirtDriver";
  bench_pipeline(sys, 10, builds, opts, compute_driver_factory(opts),
                 "libvirt-test");
  std::filesystem::remove_all(dir);
}

// Memory per build that is in flight: builds held by a slow driver (and the
// queues in front of it) versus the idle pipeline. Run it in a fresh process
// (--builds 0): memory freed by an earlier phase would hide the growth.
void bench_inflight(caf::actor_system& sys, int hosts, int builds) {
  auto opts = bench_options(hosts);
  opts.fake_driver.latency_min_ms = opts.fake_driver.latency_max_ms = 600000;
  auto p = pipeline::start(sys, opts, fake_driver_factory(opts.fake_driver));
  if (!p) {
    std::fprintf(stderr, "cannot start: %s\n", sys.render(p.error()).c_str());
    std::exit(1);
  }
  caf::scoped_actor self{sys};
  auto idle = rss_kib();
  // Submitted as a client with 1,000 connections would: the number held,
  // not the burst of messages that brought them, is what is measured.
  int sent = 0;
  int got = 0;
  while (got < builds) {
    while (sent < builds && sent - got < 1000)
      self->send((*p)->api, make_request(opts, sent++));
    self->receive([&](servers_created&) { ++got; });
  }
  // Wait until every build reached its compute host (running or queued).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{2};
  for (;;) {
    int64_t placed = 0;
    for (auto& h : opts.hosts) {
      self->request((*p)->supervisor, std::chrono::seconds{10},
                    get_compute{h.name})
        .receive(
          [&](compute_actor& c) {
            self->request(c, std::chrono::seconds{10}, get_host_usage{})
              .receive(
                [&](host_usage& u) { placed += u.running_builds + u.queued_builds; },
                [](caf::error&) {});
          },
          [](caf::error&) {});
    }
    if (placed >= builds)
      break;
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "only %ld of %d builds reached a host in 2 min\n",
                   static_cast<long>(placed), builds);
      std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  auto loaded = rss_kib();
  std::printf("inflight hosts=%d builds=%d idle_rss_kib=%ld loaded_rss_kib=%ld "
              "rss_per_inflight_build_bytes=%.0f\n",
              hosts, builds, idle, loaded,
              (loaded - idle) * 1024.0 / builds);
  (*p)->stop();
}

// What a scheduler decision is measured with: the default filters (which
// include the server group filters) on specs without a group; today's five
// resource filters alone, the baseline; the default filters with every
// spec in an anti-affinity group of up to 10 members, whose other members'
// hosts each decision looks up; and that plus the three aggregate filters,
// every host in one of 10 aggregates (metadata ssd, os_distro and a
// filter_tenant_id on half of them), a flavor asking ssd=true and an image
// with os_distro: half the hosts pass.
enum class sched_mode { defaults, five_filters, anti_affinity, aggregates };

const char* label_of(sched_mode m) {
  switch (m) {
    case sched_mode::five_filters:
      return "scheduler_five_filters";
    case sched_mode::anti_affinity:
      return "scheduler_anti_affinity";
    case sched_mode::aggregates:
      return "scheduler_aggregates_and_groups";
    case sched_mode::defaults:
      break;
  }
  return "scheduler";
}

void add_aggregates(host_selector& sel, int hosts, select_destinations& req) {
  std::vector<aggregate> aggs(10);
  for (int k = 0; k < 10; ++k) {
    auto& a = aggs[static_cast<size_t>(k)];
    a.id = k + 1;
    a.name = "agg" + std::to_string(k);
    a.metadata = {{"ssd", k % 2 == 0 ? "true" : "false"},
                  {"os_distro", "debian,ubuntu"},
                  {"filter_tenant_id", k % 2 == 0 ? "p,q" : "q"}};
  }
  for (int i = 0; i < hosts; ++i)
    aggs[static_cast<size_t>(i % 10)].hosts.push_back("h" + std::to_string(i));
  sel.set_aggregates(aggs);
  req.spec.extra_specs = {{"aggregate_instance_extra_specs:ssd", "true"},
                          {"hw:cpu_policy", "shared"}};
  req.spec.image_properties = {{"os_distro", "debian"}};
}

void bench_scheduler(int hosts, int decisions, sched_mode mode) {
  scheduler_options so;
  so.seed = 1;
  if (mode == sched_mode::five_filters)
    so.enabled_filters = {"ComputeFilter", "AvailabilityZoneFilter",
                          "RamFilter", "CoreFilter", "DiskFilter"};
  if (mode == sched_mode::aggregates)
    for (auto name : {"AggregateInstanceExtraSpecsFilter",
                      "AggregateMultiTenancyIsolation",
                      "AggregateImagePropertiesIsolation"})
      so.enabled_filters.emplace_back(name);
  auto sel = host_selector::make(so);
  auto now = clock_type::now();
  for (int i = 0; i < hosts; ++i)
    sel->report(host_report{"h" + std::to_string(i), "nova",
                            {64, 262144 + (i % 97) * 1024, 4000},
                            {16.0, 1.5, 1.0}, true, {}, {}, {}, {}},
                now);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(decisions));
  select_destinations req{{"", "p", {1, 512, 1}, "", {}, {}, {}, {}}, {}, 2};
  if (mode == sched_mode::aggregates)
    add_aggregates(*sel, hosts, req);
  std::vector<std::string> ids;
  for (int i = 0; i < decisions; ++i)
    ids.push_back("i-" + std::to_string(i));
  // Groups of consecutive ids, small enough that every member finds a
  // host of its own (among the half that pass the aggregate filters).
  auto group_size = std::max(1, std::min(10, hosts / 4));
  for (int i = 0; i < decisions; ++i) {
    req.spec.instance_id = ids[static_cast<size_t>(i)];
    if (mode == sched_mode::anti_affinity || mode == sched_mode::aggregates) {
      auto first = i - i % group_size;
      auto& g = req.spec.instance_group;
      g.id = "g-" + std::to_string(first);
      g.policy = "anti-affinity";
      g.members.assign(ids.begin() + first,
                       ids.begin() + std::min(decisions, first + group_size));
    }
    auto t0 = clock_type::now();
    auto r = sel->select(req, now);
    auto t1 = clock_type::now();
    if (!r) {
      std::fprintf(stderr, "scheduler: no host at decision %d\n", i);
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    // Every fourth claim is kept: the hosts fill up over the run, as they
    // do in service, without ever running out.
    if (i % 4 != 0)
      sel->release(req.spec.instance_id);
  }
  std::printf("%s hosts=%d decisions=%d p50_us=%.2f p99_us=%.2f "
              "per_host_ns=%.1f\n",
              label_of(mode), hosts, decisions, percentile(us, 0.5),
              percentile(us, 0.99), percentile(us, 0.5) * 1000.0 / hosts);
}

} // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) {
      return !std::strcmp(argv[i], name) && i + 1 < argc;
    };
    if (arg("--hosts"))
      a.hosts = parse_list(argv[++i]);
    else if (arg("--builds"))
      a.builds = std::atoi(argv[++i]);
    else if (arg("--inflight-builds"))
      a.inflight_builds = std::atoi(argv[++i]);
    else if (arg("--scheduler-hosts"))
      a.sched_hosts = parse_list(argv[++i]);
    else if (arg("--decisions"))
      a.sched_decisions = std::atoi(argv[++i]);
    else if (arg("--driver-builds"))
      a.driver_builds = std::atoi(argv[++i]);
    else if (arg("--max-concurrent-builds"))
      max_builds_per_host = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr,
                   "usage: %s [--hosts 100,1000] [--builds N] "
                   "[--inflight-builds N] [--scheduler-hosts 10,100,...] "
                   "[--decisions N] [--driver-builds N] "
                   "[--max-concurrent-builds N]\n",
                   argv[0]);
      return 2;
    }
  }
  log::set_level(log::level::error);
  // The four in one run, so that they compare on the same machine state.
  for (auto hosts : a.sched_hosts)
    for (auto mode : {sched_mode::five_filters, sched_mode::defaults,
                      sched_mode::anti_affinity, sched_mode::aggregates})
      bench_scheduler(hosts, a.sched_decisions, mode);
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  if (a.builds > 0)
    for (auto hosts : a.hosts) {
      auto opts = bench_options(hosts);
      bench_pipeline(sys, hosts, a.builds, opts,
                     fake_driver_factory(opts.fake_driver), "fake");
    }
  if (a.driver_builds > 0)
    bench_drivers(sys, a.driver_builds);
  if (a.inflight_builds > 0)
    bench_inflight(sys, a.hosts.front(), a.inflight_builds);
  return 0;
}
