#include "actors/scheduler/weighers/weighers.hpp"

#include <algorithm>

namespace vmforge {

double ram_weigher(const host_state& host, const request_spec&) {
  return static_cast<double>(host.free_ram_mb());
}

double cpu_weigher(const host_state& host, const request_spec&) {
  return host.usable_vcpus();
}

double disk_weigher(const host_state& host, const request_spec&) {
  return static_cast<double>(host.free_disk_gb());
}

void normalize(std::vector<double>& values) {
  if (values.empty())
    return;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  auto minval = *lo;
  auto range = *hi - minval;
  for (auto& x : values)
    x = range == 0.0 ? 0.0 : (x - minval) / range;
}

void weigh(const std::vector<host_state>& hosts, const request_spec& spec,
           const std::vector<size_t>& candidates,
           const std::vector<weigher>& weighers, std::vector<double>& weights) {
  weights.assign(candidates.size(), 0.0);
  // Reused across calls: the scheduler weighs on every request.
  thread_local std::vector<double> raw;
  for (auto& w : weighers) {
    if (w.multiplier == 0.0)
      continue;
    raw.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i)
      raw[i] = w.raw(hosts[candidates[i]], spec);
    normalize(raw);
    for (size_t i = 0; i < candidates.size(); ++i)
      weights[i] += w.multiplier * raw[i];
  }
}

} // namespace vmforge
