#include <catch2/catch.hpp>

#include "actors/scheduler/filters/server_group_filters.hpp"
#include "config/options.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

host_state named(std::string name) {
  host_state h;
  h.name = std::move(name);
  return h;
}

request_spec in_group(std::string policy, std::map<std::string, int32_t> hosts,
                      int64_t max_per_host = 0) {
  request_spec spec;
  spec.instance_id = "i-new";
  spec.instance_group.id = "g";
  spec.instance_group.policy = std::move(policy);
  spec.instance_group.max_server_per_host = max_per_host;
  spec.instance_group.hosts = std::move(hosts);
  return spec;
}

filter_context ctx() {
  return {std::chrono::steady_clock::now(), 60s};
}

} // namespace

TEST_CASE("ServerGroupAffinityFilter: members go where the others are",
          "[filters][server_groups]") {
  auto spec = in_group("affinity", {{"h1", 1}});
  CHECK(server_group_affinity_filter(named("h1"), spec, ctx()));
  CHECK_FALSE(server_group_affinity_filter(named("h2"), spec, ctx()));
  // The first member may go anywhere.
  CHECK(server_group_affinity_filter(named("h2"), in_group("affinity", {}),
                                     ctx()));
  // Other policies and no group pass.
  CHECK(server_group_affinity_filter(named("h2"),
                                     in_group("anti-affinity", {{"h1", 1}}),
                                     ctx()));
  CHECK(server_group_affinity_filter(named("h2"), request_spec{}, ctx()));
}

TEST_CASE("ServerGroupAntiAffinityFilter: fewer members than "
          "max_server_per_host (1 unless set)",
          "[filters][server_groups]") {
  auto spec = in_group("anti-affinity", {{"h1", 1}, {"h2", 2}});
  CHECK_FALSE(server_group_anti_affinity_filter(named("h1"), spec, ctx()));
  CHECK(server_group_anti_affinity_filter(named("h3"), spec, ctx()));
  auto two = in_group("anti-affinity", {{"h1", 1}, {"h2", 2}}, 2);
  CHECK(server_group_anti_affinity_filter(named("h1"), two, ctx()));
  CHECK_FALSE(server_group_anti_affinity_filter(named("h2"), two, ctx()));
  CHECK(server_group_anti_affinity_filter(named("h1"),
                                          in_group("affinity", {{"h1", 1}}),
                                          ctx()));
  CHECK(server_group_anti_affinity_filter(
    named("h1"), in_group("soft-anti-affinity", {{"h1", 1}}), ctx()));
}

TEST_CASE("the group filters are known by Nova's names",
          "[filters][server_groups]") {
  auto f = make_filters({"ServerGroupAffinityFilter",
                         "ServerGroupAntiAffinityFilter"});
  REQUIRE(f);
  CHECK(f->size() == 2);
  CHECK(scheduler_options{}.enabled_filters.size() == 7u);
}
