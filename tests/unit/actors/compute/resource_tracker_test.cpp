#include <catch2/catch.hpp>

#include "actors/compute/resource_tracker.hpp"

using namespace vmforge;

namespace {

const allocation_ratios no_overcommit{1.0, 1.0, 1.0};

} // namespace

TEST_CASE("a claim that fits is counted", "[resource_tracker]") {
  resource_tracker t{{4, 1024, 10}, no_overcommit};
  CHECK(t.claim("a", {1, 512, 1}).empty());
  CHECK(t.holds("a"));
  CHECK(t.used() == resources{1, 512, 1});
  CHECK(t.claim("b", {3, 512, 9}).empty());
  CHECK(t.used() == resources{4, 1024, 10});
  CHECK(t.instances() == 2);
  CHECK(t.capacity() == resources{4, 1024, 10});
}

TEST_CASE("a claim that does not fit is refused with Nova's reason and "
          "claims nothing",
          "[resource_tracker]") {
  resource_tracker t{{4, 1024, 10}, no_overcommit};
  REQUIRE(t.claim("a", {1, 512, 1}).empty());
  CHECK(t.claim("b", {1, 1024, 1})
        == "Insufficient compute resources: Free memory 512.00 MB < "
           "requested 1024 MB.");
  CHECK_FALSE(t.holds("b"));
  CHECK(t.used() == resources{1, 512, 1});
  CHECK(t.instances() == 1);
}

TEST_CASE("limits are memory, then disk, then vCPUs, times the allocation "
          "ratios",
          "[resource_tracker]") {
  // 4 vCPUs, 1536 MB and 10 GB to claim.
  resource_tracker t{{2, 1024, 10}, {2.0, 1.5, 1.0}};
  REQUIRE(t.claim("a", {4, 1536, 10}).empty());
  CHECK(t.claim("b", {5, 1, 11})
        == "Insufficient compute resources: Free memory 0.00 MB < requested "
           "1 MB.");
  REQUIRE(t.release("a"));
  CHECK(t.claim("c", {5, 1, 11})
        == "Insufficient compute resources: Free disk 10.00 GB < requested "
           "11 GB.");
  CHECK(t.claim("d", {5, 1, 1})
        == "Insufficient compute resources: Free vcpu 4.00 VCPU < requested "
           "5 VCPU.");
  CHECK(t.instances() == 0);
}

TEST_CASE("adopt records an instance without checking limits, once per "
          "instance",
          "[resource_tracker]") {
  resource_tracker t{{1, 512, 1}, no_overcommit};
  t.adopt("a", {2, 1024, 2});
  CHECK(t.holds("a"));
  CHECK(t.used() == resources{2, 1024, 2});
  // Adopted again (a second report of the same row): replaced, not added.
  t.adopt("a", {1, 512, 1});
  CHECK(t.used() == resources{1, 512, 1});
  CHECK(t.instances() == 1);
}

TEST_CASE("release gives the claim back, once", "[resource_tracker]") {
  resource_tracker t{{4, 1024, 10}, no_overcommit};
  REQUIRE(t.claim("a", {1, 512, 1}).empty());
  REQUIRE(t.claim("b", {1, 256, 1}).empty());
  CHECK(t.release("a"));
  CHECK_FALSE(t.holds("a"));
  CHECK(t.used() == resources{1, 256, 1});
  CHECK_FALSE(t.release("a"));
  CHECK(t.used() == resources{1, 256, 1});
  // What was released can be claimed again.
  CHECK(t.claim("c", {3, 768, 9}).empty());
}
