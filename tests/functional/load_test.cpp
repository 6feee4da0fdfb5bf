#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/functional/fixture.hpp"

using namespace vmforge;
using namespace vmforge::test;

TEST_CASE("10,000 concurrent builds over 100 hosts with 20% injected "
          "failures all end, and every claim matches an ACTIVE instance",
          "[load]") {
  const int builds = 10000;
  auto opts = test_options(100);
  opts.fake_driver.failure_rate = 0.2;
  opts.fake_driver.seed = 2026;
  harness h{opts};
  for (int i = 0; i < builds; ++i) {
    auto req = h.request("load-" + std::to_string(i), std::to_string(1 + i % 3));
    (*h.self)->send(h.p->api, std::move(req));
  }
  int accepted = 0;
  (*h.self)->receive_for(accepted, builds)(
    [](servers_created& r) { REQUIRE(r.ids.size() == 1); });
  REQUIRE(h.wait_for([&] { return h.stats().in_flight == 0; }, 120s));
  auto rows = h.list_all();
  REQUIRE(static_cast<int>(rows.size()) == builds);
  std::map<std::string, resources> expected;
  std::map<std::string, std::set<std::string>> active_ids;
  int active = 0;
  int error = 0;
  for (auto& row : rows) {
    REQUIRE(row.task == task_state::none);
    if (row.vm == vm_state::active) {
      ++active;
      expected[row.host] += row.flavor_.claim();
      active_ids[row.host].insert(row.id);
    } else {
      REQUIRE(row.vm == vm_state::error);
      REQUIRE(row.has_fault);
      CHECK(row.host.empty());
      ++error;
    }
  }
  // 0.2^3 of the builds fail three times in a row.
  CHECK(error > 0);
  CHECK(active + error == builds);
  auto stats = h.stats();
  CHECK(stats.builds_active == active);
  CHECK(stats.builds_error == error);
  CHECK(stats.reschedules > builds / 10);
  for (auto& v : h.host_views()) {
    CHECK(v.used == expected[v.host]);
    CHECK(h.usage(v.host).used == expected[v.host]);
    auto domains = h.p->drivers.at(v.host)->list_instances();
    CHECK(std::set<std::string>(domains.begin(), domains.end())
          == active_ids[v.host]);
  }
  INFO("active " << active << ", error " << error << ", reschedules "
                 << stats.reschedules);
}
