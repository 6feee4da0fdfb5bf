#pragma once

#include "bench/vmforge_bench/latency.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace vmforge::bench {

using bench_clock = std::chrono::steady_clock;

/// One API call's figures: its latency (connection in hand to answer
/// read) and how many answers of each status it got (0: no answer).
struct call_stats {
  latency time;
  std::map<int, long> statuses;
};

/// The counters at one instant, for the timeline plot.
struct sample {
  double t = 0;            // seconds since the start
  long requests = 0;       // answered so far
  long builds = 0;         // servers seen ACTIVE so far
  long cycles = 0;         // boot-and-delete cycles completed so far
  long inflight_requests = 0;
  long inflight_servers = 0; // created (POST sent) and not yet gone
};

/// Everything a run measures. One thread owns it (the client's).
struct stats {
  std::map<std::string, call_stats> calls; // by "VERB /path pattern"
  latency queue_wait;      // a request waiting for a free connection
  latency time_to_active;  // POST sent -> first poll that sees ACTIVE
  latency cycle;           // boot-and-delete: POST sent -> 404 after DELETE
  latency all_active;      // burst: start -> the last server ACTIVE
  long requests = 0;
  long builds = 0;
  long cycles = 0;
  long inflight_requests = 0;
  long inflight_servers = 0;
  std::map<std::string, long> errors; // "500", "transport: read", "ERROR", ...
  std::vector<sample> timeline;
  bench_clock::time_point start = bench_clock::now();
  bench_clock::time_point end = start;

  void error(const std::string& what) { ++errors[what]; }
  long error_count() const;
  sample now() const;
  double seconds() const { return std::chrono::duration<double>(end - start).count(); }
};

} // namespace vmforge::bench
