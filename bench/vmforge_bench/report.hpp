#pragma once

#include "bench/vmforge_bench/options.hpp"
#include "bench/vmforge_bench/stats.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace vmforge::bench {

/// The results document (the JSON file's content; docs/benchmarks.md
/// describes its fields).
boost::json::value results(const options& opts, const stats& st);

/// The same figures as a few lines for a terminal.
std::string summary(const boost::json::value& results);

} // namespace vmforge::bench
