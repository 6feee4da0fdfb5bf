#pragma once

#include <map>
#include <string>

#include "metrics/registry.hpp"

namespace vmforge::test {

using metric_labels = std::map<std::string, std::string>;

/// A counter's or gauge's value, or a histogram's count, as a scrape sees
/// it; -1 if there is no such series.
inline double sample(const metrics::registry& reg, const std::string& name,
                     const metric_labels& want = {}) {
  for (auto& fam : reg.collect()) {
    if (fam.name != name)
      continue;
    for (auto& m : fam.metric) {
      metric_labels have;
      for (auto& l : m.label)
        have[l.name] = l.value;
      if (have != want)
        continue;
      switch (fam.type) {
        case prometheus::MetricType::Counter:
          return m.counter.value;
        case prometheus::MetricType::Gauge:
          return m.gauge.value;
        case prometheus::MetricType::Histogram:
          return static_cast<double>(m.histogram.sample_count);
        default:
          return -1;
      }
    }
  }
  return -1;
}

} // namespace vmforge::test
