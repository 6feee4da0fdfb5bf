#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace vmforge::bench {

/// Every sample of one measure, kept exactly (microseconds): a run holds at
/// most a few million, and exact samples make every percentile exact.
class latency {
public:
  void add(std::chrono::nanoseconds d);
  size_t count() const { return samples_.size(); }
  /// Nearest-rank percentile, q in (0, 1], in milliseconds; 0 when empty.
  double percentile_ms(double q) const;
  double max_ms() const;
  double mean_ms() const;
  /// The samples in ascending order (ms), for a CDF.
  std::vector<double> sorted_ms() const;

private:
  void sort() const;
  mutable std::vector<std::int64_t> samples_; // microseconds
  mutable bool sorted_ = true;
};

} // namespace vmforge::bench
