#include <catch2/catch.hpp>

#include "actors/api/availability_zones.hpp"

using namespace vmforge;

namespace {

host_view host(std::string name, std::string zone, bool enabled) {
  host_view h;
  h.host = std::move(name);
  h.availability_zone = std::move(zone);
  h.enabled = enabled;
  return h;
}

} // namespace

TEST_CASE("availability zones: a zone with an enabled host is available",
          "[availability_zones]") {
  auto zones = zones_of({host("c1", "nova", true), host("c2", "az1", false),
                         host("c3", "az1", true), host("c4", "az2", false)});
  REQUIRE(zones.items.size() == 3);
  CHECK(zones.items[0].name == "az1");
  CHECK(zones.items[0].available);
  REQUIRE(zones.items[0].hosts.size() == 1); // the enabled one
  CHECK(zones.items[0].hosts[0].host == "c3");
  CHECK(zones.items[1].name == "nova");
  CHECK(zones.items[2].name == "az2");
  CHECK_FALSE(zones.items[2].available);
  CHECK(zones.items[2].hosts.empty());
}
