#include <catch2/catch.hpp>

#include "actors/scheduler/filters/filters.hpp"
#include "messages/errors.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

host_state make_host(resources capacity, resources used = {}) {
  host_state h;
  h.name = "h1";
  h.availability_zone = "nova";
  h.capacity = capacity;
  h.used = used;
  h.ratios = allocation_ratios{1.0, 1.0, 1.0};
  h.last_seen = std::chrono::steady_clock::now();
  return h;
}

request_spec want(int64_t vcpus, int64_t ram_mb, int64_t disk_gb,
                  std::string az = {}) {
  return {"i-1", "p", {vcpus, ram_mb, disk_gb}, std::move(az), {}, {}, {}, {}};
}

filter_context now_ctx() {
  return {std::chrono::steady_clock::now(), 60s, nullptr, nullptr};
}

} // namespace

TEST_CASE("ComputeFilter rejects disabled hosts (by config or operator), "
          "offline or forced-down hosts and hosts without a recent heartbeat",
          "[filters]") {
  auto h = make_host({8, 8192, 100});
  auto ctx = now_ctx();
  CHECK(compute_filter(h, want(1, 512, 1), ctx));
  h.enabled = false;
  CHECK_FALSE(compute_filter(h, want(1, 512, 1), ctx));
  h.enabled = true;
  h.admin_disabled = true; // os-services disable
  CHECK_FALSE(compute_filter(h, want(1, 512, 1), ctx));
  h.admin_disabled = false;
  h.offline = "lost its link"; // its compute process is gone
  CHECK_FALSE(compute_filter(h, want(1, 512, 1), ctx));
  h.offline.clear();
  h.forced_down = true; // os-services force-down, whatever its heartbeats
  CHECK_FALSE(compute_filter(h, want(1, 512, 1), ctx));
  h.forced_down = false;
  h.last_seen = ctx.now - 61s;
  CHECK_FALSE(compute_filter(h, want(1, 512, 1), ctx));
  h.last_seen = ctx.now - 60s;
  CHECK(compute_filter(h, want(1, 512, 1), ctx));
}

TEST_CASE("AvailabilityZoneFilter passes any host without a requested zone",
          "[filters]") {
  auto h = make_host({8, 8192, 100});
  h.availability_zone = "az1";
  auto ctx = now_ctx();
  CHECK(availability_zone_filter(h, want(1, 1, 1), ctx));
  CHECK(availability_zone_filter(h, want(1, 1, 1, "az1"), ctx));
  CHECK_FALSE(availability_zone_filter(h, want(1, 1, 1, "az2"), ctx));
}

TEST_CASE("RamFilter applies ram_allocation_ratio", "[filters]") {
  auto h = make_host({8, 1000, 100}, {0, 800, 0});
  auto ctx = now_ctx();
  CHECK(ram_filter(h, want(1, 200, 1), ctx));
  CHECK_FALSE(ram_filter(h, want(1, 201, 1), ctx));
  h.ratios.ram = 1.5; // 1500 usable, 700 left
  CHECK(ram_filter(h, want(1, 700, 1), ctx));
  CHECK_FALSE(ram_filter(h, want(1, 701, 1), ctx));
}

TEST_CASE("CoreFilter applies cpu_allocation_ratio but never exceeds the "
          "physical vCPUs for one instance",
          "[filters]") {
  auto h = make_host({4, 8192, 100}, {3, 0, 0});
  auto ctx = now_ctx();
  CHECK(core_filter(h, want(1, 1, 1), ctx));
  CHECK_FALSE(core_filter(h, want(2, 1, 1), ctx));
  h.ratios.cpu = 16.0; // 64 usable, 61 left
  CHECK(core_filter(h, want(4, 1, 1), ctx));
  CHECK_FALSE(core_filter(h, want(5, 1, 1), ctx));
  h.used.vcpus = 61;
  CHECK(core_filter(h, want(3, 1, 1), ctx));
  CHECK_FALSE(core_filter(h, want(4, 1, 1), ctx));
}

TEST_CASE("DiskFilter applies disk_allocation_ratio", "[filters]") {
  auto h = make_host({8, 8192, 100}, {0, 0, 90});
  auto ctx = now_ctx();
  CHECK(disk_filter(h, want(1, 1, 10), ctx));
  CHECK_FALSE(disk_filter(h, want(1, 1, 11), ctx));
  h.ratios.disk = 2.0;
  CHECK(disk_filter(h, want(1, 1, 110), ctx));
  CHECK_FALSE(disk_filter(h, want(1, 1, 111), ctx));
}

TEST_CASE("filters are looked up by their Nova names", "[filters]") {
  auto fs = make_filters({"RamFilter", "ComputeFilter"});
  REQUIRE(fs);
  REQUIRE(fs->size() == 2);
  CHECK(std::string{(*fs)[0].name} == "RamFilter");
  CHECK(std::string{(*fs)[1].name} == "ComputeFilter");
  auto bad = make_filters({"RamFilter", "NoSuchFilter"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == errc::filter_not_found);
  CHECK(error_message(bad.error())
        == "Scheduler Host Filter NoSuchFilter could not be found.");
}
