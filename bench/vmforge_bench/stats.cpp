#include "bench/vmforge_bench/stats.hpp"

namespace vmforge::bench {

long stats::error_count() const {
  long n = 0;
  for (auto& [_, count] : errors)
    n += count;
  return n;
}

sample stats::now() const {
  return {std::chrono::duration<double>(bench_clock::now() - start).count(),
          requests, builds, cycles, inflight_requests, inflight_servers};
}

} // namespace vmforge::bench
