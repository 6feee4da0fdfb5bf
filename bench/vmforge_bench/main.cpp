// vmforge-bench: load on a Compute API (vmforge or any Nova); see
// docs/benchmarks.md and `vmforge-bench --help`.
#include "bench/vmforge_bench/options.hpp"
#include "bench/vmforge_bench/plots.hpp"
#include "bench/vmforge_bench/report.hpp"
#include "bench/vmforge_bench/scenarios.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <exception>
#include <fstream>

int main(int argc, char** argv) {
  using namespace vmforge::bench;
  int code = 0;
  auto opts = parse_options(argc, argv, code);
  if (!opts)
    return code;
  try {
    boost::asio::io_context io{1};
    auto st = run_scenario(io, *opts);
    auto doc = results(*opts, st);
    std::fputs(summary(doc).c_str(), stdout);
    if (!opts->json_out.empty()) {
      std::ofstream out{opts->json_out};
      out << doc << "\n";
      if (!out) {
        std::fprintf(stderr, "vmforge-bench: cannot write %s\n", opts->json_out.c_str());
        return 1;
      }
    }
    if (!opts->plot_prefix.empty() && !write_plots(opts->plot_prefix, st))
      code = 3; // the figures are there, the pictures not
    return doc.at("errors").at("total").to_number<long>() == 0 ? code : 4;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vmforge-bench: %s\n", e.what());
    return 1;
  }
}
