#include "bench/vmforge_bench/latency.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vmforge::bench {

void latency::add(std::chrono::nanoseconds d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  sorted_ = sorted_ && (samples_.empty() || samples_.back() <= us);
  samples_.push_back(us);
}

void latency::sort() const {
  if (!sorted_)
    std::sort(samples_.begin(), samples_.end());
  sorted_ = true;
}

double latency::percentile_ms(double q) const {
  if (samples_.empty())
    return 0;
  sort();
  // Nearest rank: the smallest sample with at least q of all at or below it.
  auto rank = static_cast<size_t>(std::ceil(q * samples_.size()));
  return samples_[std::clamp<size_t>(rank, 1, samples_.size()) - 1] / 1000.0;
}

double latency::max_ms() const {
  return samples_.empty() ? 0 : *std::max_element(samples_.begin(), samples_.end()) / 1000.0;
}

double latency::mean_ms() const {
  if (samples_.empty())
    return 0;
  return std::accumulate(samples_.begin(), samples_.end(), 0.0) / samples_.size() / 1000.0;
}

std::vector<double> latency::sorted_ms() const {
  sort();
  std::vector<double> out;
  out.reserve(samples_.size());
  for (auto us : samples_)
    out.push_back(us / 1000.0);
  return out;
}

} // namespace vmforge::bench
