#include <catch2/catch.hpp>

#include "metrics/registry.hpp"
#include "tests/support/metric_sample.hpp"

using namespace vmforge;
using namespace vmforge::test;

TEST_CASE("the libvirt hook counts failed calls by call", "[metrics]") {
  auto reg = std::make_shared<metrics::registry>();
  auto hook = metrics::libvirt_call_error_hook(reg);
  hook("virDomainCreateXML");
  hook("virDomainCreateXML");
  hook("virConnectOpen");
  CHECK(sample(*reg, "vmforge_libvirt_call_errors_total",
               {{"call", "virDomainCreateXML"}})
        == 2);
  CHECK(sample(*reg, "vmforge_libvirt_call_errors_total",
               {{"call", "virConnectOpen"}})
        == 1);
}

TEST_CASE("the text format escapes label values and writes histograms as "
          "Prometheus reads them",
          "[metrics]") {
  using Catch::Matchers::Contains;
  metrics::registry reg;
  reg.runtime.libvirt_errors.Add({{"call", "a\"b\\c\nd"}}).Increment(3);
  reg.builds.duration.Observe(0.5);
  auto text = reg.text();
  CHECK_THAT(text, Contains("# TYPE vmforge_libvirt_call_errors_total "
                            "counter\n"
                            "vmforge_libvirt_call_errors_total"
                            "{call=\"a\\\"b\\\\c\\nd\"} 3\n"));
  CHECK_THAT(text, Contains("# TYPE vmforge_build_duration_seconds "
                            "histogram\n"));
  CHECK_THAT(text, Contains("vmforge_build_duration_seconds_bucket"
                            "{le=\"0.25\"} 0\n"
                            "vmforge_build_duration_seconds_bucket"
                            "{le=\"0.5\"} 1\n"));
  CHECK_THAT(text, Contains("vmforge_build_duration_seconds_bucket"
                            "{le=\"+Inf\"} 1\n"
                            "vmforge_build_duration_seconds_sum 0.5\n"
                            "vmforge_build_duration_seconds_count 1\n"));
}
