#include <catch2/catch.hpp>

#include "actors/scheduler/weighers/server_group_weighers.hpp"

using namespace vmforge;

namespace {

host_state named(std::string name) {
  host_state h;
  h.name = std::move(name);
  return h;
}

request_spec in_group(std::string policy) {
  request_spec spec;
  spec.instance_group.id = "g";
  spec.instance_group.policy = std::move(policy);
  spec.instance_group.hosts = {{"a", 2}, {"b", 1}};
  return spec;
}

} // namespace

TEST_CASE("ServerGroupSoftAffinityWeigher counts the group's members on the "
          "host",
          "[weighers][server_groups]") {
  auto spec = in_group("soft-affinity");
  CHECK(server_group_soft_affinity_weigher(named("a"), spec) == 2.0);
  CHECK(server_group_soft_affinity_weigher(named("c"), spec) == 0.0);
  CHECK(server_group_soft_affinity_weigher(named("a"),
                                           in_group("soft-anti-affinity"))
        == 0.0);
}

TEST_CASE("ServerGroupSoftAntiAffinityWeigher counts them negatively",
          "[weighers][server_groups]") {
  auto spec = in_group("soft-anti-affinity");
  CHECK(server_group_soft_anti_affinity_weigher(named("a"), spec) == -2.0);
  CHECK(server_group_soft_anti_affinity_weigher(named("c"), spec) == 0.0);
  CHECK(server_group_soft_anti_affinity_weigher(named("a"),
                                                in_group("affinity"))
        == 0.0);
}

TEST_CASE("soft policies rank hosts after normalisation, scaled by their "
          "multipliers",
          "[weighers][server_groups]") {
  std::vector<host_state> hosts{named("a"), named("b"), named("c")};
  std::vector<double> w;
  weigh(hosts, in_group("soft-anti-affinity"), {0, 1, 2},
        {{server_group_soft_anti_affinity_weigher, 2.0}}, w);
  CHECK(w == std::vector<double>{0.0, 1.0, 2.0});
  weigh(hosts, in_group("soft-affinity"), {0, 1, 2},
        {{server_group_soft_affinity_weigher, 1.0}}, w);
  CHECK(w == std::vector<double>{1.0, 0.5, 0.0});
}
