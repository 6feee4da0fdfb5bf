#include <catch2/catch.hpp>

#include <memory>

#include "actors/scheduler/filters/aggregate_filters.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

host_state in_aggregates(aggregate_metadata meta) {
  host_state h;
  h.name = "h1";
  h.aggregates = std::make_shared<const aggregate_metadata>(std::move(meta));
  return h;
}

request_spec spec_with(std::map<std::string, std::string> extra_specs,
                       std::string project = "p",
                       std::map<std::string, std::string> image_props = {}) {
  return {"i-1", std::move(project), {1, 512, 1}, {}, std::move(extra_specs),
          std::move(image_props), {}, {}};
}

const filter_context ctx{std::chrono::steady_clock::now(), 60s, nullptr,
                         nullptr};

} // namespace

TEST_CASE("extra_specs_ops: Nova's operators", "[filters][aggregates]") {
  CHECK(extra_spec_matches("true", "true"));
  CHECK_FALSE(extra_spec_matches("false", "true"));
  CHECK(extra_spec_matches("4", "= 2")); // at least
  CHECK_FALSE(extra_spec_matches("1", "= 2"));
  CHECK(extra_spec_matches("2", "== 2.0"));
  CHECK(extra_spec_matches("3", "!= 2"));
  CHECK(extra_spec_matches("3", ">= 3"));
  CHECK(extra_spec_matches("3", "<= 3"));
  CHECK_FALSE(extra_spec_matches("abc", ">= 3")); // not a number
  CHECK(extra_spec_matches("ssd", "s== ssd"));
  CHECK(extra_spec_matches("hdd", "s!= ssd"));
  CHECK(extra_spec_matches("abc", "s< abd"));
  CHECK(extra_spec_matches("abd", "s> abc"));
  CHECK(extra_spec_matches("abc", "s<= abc"));
  CHECK(extra_spec_matches("abc", "s>= abc"));
  CHECK(extra_spec_matches("avx2 sse4", "<in> avx2"));
  CHECK_FALSE(extra_spec_matches("sse4", "<in> avx2"));
  CHECK(extra_spec_matches("avx2 sse4 aes", "<all-in> aes avx2"));
  CHECK_FALSE(extra_spec_matches("avx2", "<all-in> aes avx2"));
  CHECK(extra_spec_matches("v2", "<or> v1 <or> v2 <or> v3"));
  CHECK_FALSE(extra_spec_matches("v4", "<or> v1 <or> v2"));
  CHECK_FALSE(extra_spec_matches("2", "=="));
}

TEST_CASE("AggregateInstanceExtraSpecsFilter: scoped and unscoped keys "
          "against the aggregates' values",
          "[filters][aggregates]") {
  auto h = in_aggregates({{"ssd", {"true"}}, {"cpus", {"8", "16"}}});
  CHECK(aggregate_instance_extra_specs_filter(h, spec_with({}), ctx));
  CHECK(aggregate_instance_extra_specs_filter(
    h, spec_with({{"aggregate_instance_extra_specs:ssd", "true"}}), ctx));
  CHECK(aggregate_instance_extra_specs_filter(h, spec_with({{"ssd", "true"}}),
                                              ctx));
  CHECK_FALSE(aggregate_instance_extra_specs_filter(
    h, spec_with({{"aggregate_instance_extra_specs:ssd", "false"}}), ctx));
  // One of the values suffices.
  CHECK(aggregate_instance_extra_specs_filter(h, spec_with({{"cpus", ">= 12"}}),
                                              ctx));
  // Another scope is not this filter's.
  CHECK(aggregate_instance_extra_specs_filter(
    h, spec_with({{"hw:cpu_policy", "dedicated"}}), ctx));
  // A key no aggregate has fails, and so does a host in no aggregate.
  CHECK_FALSE(aggregate_instance_extra_specs_filter(
    h, spec_with({{"gpu", "true"}}), ctx));
  host_state bare;
  CHECK_FALSE(aggregate_instance_extra_specs_filter(
    bare, spec_with({{"ssd", "true"}}), ctx));
  CHECK(aggregate_instance_extra_specs_filter(bare, spec_with({}), ctx));
}

TEST_CASE("AggregateMultiTenancyIsolation: filter_tenant_id keys restrict "
          "a host to their projects",
          "[filters][aggregates]") {
  auto h = in_aggregates({{"filter_tenant_id", {"p1"}},
                          {"filter_tenant_id_2", {"p2", "p3"}}});
  CHECK(aggregate_multitenancy_isolation(h, spec_with({}, "p1"), ctx));
  CHECK(aggregate_multitenancy_isolation(h, spec_with({}, "p3"), ctx));
  CHECK_FALSE(aggregate_multitenancy_isolation(h, spec_with({}, "p4"), ctx));
  auto open = in_aggregates({{"ssd", {"true"}}});
  CHECK(aggregate_multitenancy_isolation(open, spec_with({}, "p4"), ctx));
  CHECK(aggregate_multitenancy_isolation(host_state{}, spec_with({}, "p4"),
                                         ctx));
}

TEST_CASE("AggregateImagePropertiesIsolation: the image's properties must "
          "be among the aggregates' values",
          "[filters][aggregates]") {
  auto h = in_aggregates({{"os_distro", {"debian", "ubuntu"}},
                          {"vmforge.hw", {"kvm"}}});
  auto image = [](std::map<std::string, std::string> props) {
    return spec_with({}, "p", std::move(props));
  };
  CHECK(aggregate_image_properties_isolation(h, image({}), ctx));
  CHECK(aggregate_image_properties_isolation(
    h, image({{"os_distro", "debian"}}), ctx));
  CHECK_FALSE(aggregate_image_properties_isolation(
    h, image({{"os_distro", "centos"}}), ctx));
  // A property no aggregate names does not matter.
  CHECK(aggregate_image_properties_isolation(h, image({{"arch", "x86_64"}}),
                                             ctx));
  // With a namespace only its keys are compared.
  std::string ns = "vmforge";
  std::string sep = ".";
  filter_context scoped{ctx.now, 60s, &ns, &sep};
  CHECK(aggregate_image_properties_isolation(
    h, image({{"os_distro", "centos"}}), scoped));
  CHECK_FALSE(aggregate_image_properties_isolation(
    h, image({{"vmforge.hw", "xen"}}), scoped));
  CHECK(aggregate_image_properties_isolation(
    h, image({{"vmforge.hw", "kvm"}}), scoped));
}

TEST_CASE("make_filters knows the aggregate filters by Nova's names",
          "[filters][aggregates]") {
  auto filters = make_filters({"AggregateInstanceExtraSpecsFilter",
                               "AggregateMultiTenancyIsolation",
                               "AggregateImagePropertiesIsolation"});
  REQUIRE(filters);
  CHECK(filters->size() == 3);
}
