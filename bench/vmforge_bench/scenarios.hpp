#pragma once

#include "bench/vmforge_bench/compute.hpp"
#include "bench/vmforge_bench/monitor.hpp"

namespace vmforge::bench {

/// Runs `opts.scenario` to its end on `io` (this thread) and returns the
/// figures of the measured part: set-up (read-mix's servers to read) and
/// clean-up (burst's deletes) happen outside it.
stats run_scenario(boost::asio::io_context& io, const options& opts);

} // namespace vmforge::bench
