#pragma once

#include "bench/vmforge_bench/stats.hpp"

#include <string>

namespace vmforge::bench {

/// Writes PREFIX-latency.dat / PREFIX-timeline.dat and the gnuplot script
/// PREFIX.gp, then runs gnuplot on it for PREFIX-latency.png (a latency
/// CDF per call) and PREFIX-timeline.png (throughput and in flight over
/// time). Returns false, saying why on stderr, when it could not.
bool write_plots(const std::string& prefix, const stats& st);

} // namespace vmforge::bench
