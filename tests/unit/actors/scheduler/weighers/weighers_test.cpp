#include <catch2/catch.hpp>

#include "actors/scheduler/weighers/weighers.hpp"

using namespace vmforge;

namespace {

host_state make_host(const char* name, resources capacity, resources used) {
  host_state h;
  h.name = name;
  h.capacity = capacity;
  h.used = used;
  h.ratios = allocation_ratios{2.0, 1.5, 1.0};
  return h;
}

} // namespace

TEST_CASE("normalize maps onto [0, 1] and a constant list onto zeros",
          "[weighers]") {
  std::vector<double> xs{10, 20, 30};
  normalize(xs);
  CHECK(xs == std::vector<double>{0.0, 0.5, 1.0});
  std::vector<double> same{7, 7};
  normalize(same);
  CHECK(same == std::vector<double>{0.0, 0.0});
  std::vector<double> empty;
  normalize(empty);
  CHECK(empty.empty());
}

TEST_CASE("RAMWeigher, CPUWeigher and DiskWeigher use Nova's raw values",
          "[weighers]") {
  auto h = make_host("h", {8, 4096, 100}, {2, 1024, 30});
  CHECK(ram_weigher(h, {}) == 3072.0);    // free_ram_mb, no ratio
  CHECK(cpu_weigher(h, {}) == 14.0);      // 8 * 2.0 - 2
  CHECK(disk_weigher(h, {}) == 70.0);     // free disk, no ratio
}

TEST_CASE("weights sum the normalised weighers times their multipliers",
          "[weighers]") {
  std::vector<host_state> hosts{
    make_host("a", {8, 4096, 100}, {0, 0, 0}),     // most RAM and CPU
    make_host("b", {8, 4096, 100}, {4, 2048, 0}),  // half used
    make_host("c", {8, 4096, 100}, {8, 4096, 50}), // full, least disk
  };
  std::vector<size_t> all{0, 1, 2};
  std::vector<double> w;
  SECTION("spreading: positive multipliers prefer the emptiest host") {
    weigh(hosts, {}, all, {{ram_weigher, 1.0}, {cpu_weigher, 1.0}}, w);
    CHECK(w == std::vector<double>{2.0, 1.0, 0.0});
  }
  SECTION("stacking: a negative RAM multiplier prefers the fullest host") {
    weigh(hosts, {}, all, {{ram_weigher, -1.0}}, w);
    CHECK(w[2] > w[1]);
    CHECK(w[1] > w[0]);
  }
  SECTION("a zero multiplier switches a weigher off") {
    weigh(hosts, {}, all, {{ram_weigher, 0.0}, {disk_weigher, 2.0}}, w);
    CHECK(w == std::vector<double>{2.0, 2.0, 0.0});
  }
  SECTION("only the candidates are weighed, in candidate order") {
    weigh(hosts, {}, {2, 1}, {{ram_weigher, 1.0}}, w);
    CHECK(w == std::vector<double>{0.0, 1.0});
  }
}
