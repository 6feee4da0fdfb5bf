#include <catch2/catch.hpp>

#include "actors/api/tenant_usage.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

constexpr int64_t hour = int64_t{3600} * 1000000;
constexpr int64_t t0 = int64_t{1700000000} * 1000000;

instance row(const std::string& id, const std::string& project,
             int64_t launched, int64_t terminated = 0) {
  instance r;
  r.id = id;
  r.name = "vm-" + id;
  r.project_id = project;
  r.flavor_ = flavor{"1", "m1.tiny", 2, 512, 10, 5, 0, true, false, {}, {}};
  r.vm = terminated != 0 ? vm_state::deleted : vm_state::active;
  r.task = task_state::none;
  r.launched_us = launched;
  r.terminated_us = terminated;
  return r;
}

usage_query period(int64_t start, int64_t stop, bool detailed = true) {
  usage_query q;
  q.start_us = start;
  q.stop_us = stop;
  q.detailed = detailed;
  return q;
}

} // namespace

TEST_CASE("tenant_usage: hours of the period each instance ran, totals by "
          "tenant as Nova's simple_tenant_usage",
          "[tenant_usage]") {
  std::vector<instance> rows{
    // Launched before the period, still running: the whole period.
    row("a", "p", t0 - hour),
    // Launched inside, terminated inside: its own span.
    row("b", "p", t0 + hour, t0 + 2 * hour),
    // Terminated before the period: not billed, not listed.
    row("c", "p", t0 - 3 * hour, t0 - hour),
    // Launched after the period: not listed.
    row("d", "q", t0 + 5 * hour),
    // Never launched: not listed.
    row("e", "q", 0),
    row("f", "q", t0 + 3 * hour),
  };
  auto report = tenant_usage_of(rows, period(t0, t0 + 4 * hour), t0 + 10 * hour);
  REQUIRE(report);
  REQUIRE(report->tenants.size() == 2);
  auto& p = report->tenants[0];
  CHECK(p.tenant_id == "p");
  CHECK(p.total_hours == Approx(5.0));
  CHECK(p.total_vcpus_usage == Approx(10.0));
  CHECK(p.total_memory_mb_usage == Approx(2560.0));
  CHECK(p.total_local_gb_usage == Approx(75.0));
  REQUIRE(p.server_usages.size() == 2);
  auto& a = p.server_usages[0];
  CHECK(a.instance_id == "a");
  CHECK(a.name == "vm-a");
  CHECK(a.flavor == "m1.tiny");
  CHECK(a.hours == Approx(4.0));
  CHECK(a.local_gb == 15);
  CHECK(a.state == "active");
  CHECK(a.ended_us == 0);
  CHECK(a.uptime_s == 11 * 3600);
  auto& b = p.server_usages[1];
  CHECK(b.state == "terminated");
  CHECK(b.ended_us == t0 + 2 * hour);
  CHECK(b.uptime_s == 3600);
  auto& q = report->tenants[1];
  CHECK(q.tenant_id == "q");
  REQUIRE(q.server_usages.size() == 1);
  CHECK(q.server_usages[0].hours == Approx(1.0));
  CHECK(report->servers == 3);
  CHECK(report->last_id == "f");
}

TEST_CASE("tenant_usage: one tenant, summaries without servers, pages by "
          "project then uuid after a marker",
          "[tenant_usage]") {
  std::vector<instance> rows{row("b", "p", t0), row("a", "p", t0),
                             row("c", "q", t0), row("z", "a", t0)};
  SECTION("one tenant") {
    auto q = period(t0, t0 + hour);
    q.tenant_id = "p";
    auto report = tenant_usage_of(rows, q, t0 + hour);
    REQUIRE(report);
    REQUIRE(report->tenants.size() == 1);
    CHECK(report->tenants[0].server_usages.size() == 2);
  }
  SECTION("not detailed") {
    auto report = tenant_usage_of(rows, period(t0, t0 + hour, false), t0);
    REQUIRE(report);
    CHECK(report->tenants.size() == 3);
    CHECK(report->tenants[0].tenant_id == "a");
    CHECK_FALSE(report->tenants[0].detailed);
    CHECK(report->tenants[0].server_usages.empty());
    CHECK(report->servers == 4);
  }
  SECTION("paging") {
    auto q = period(t0, t0 + hour);
    q.limit = 2;
    auto first = tenant_usage_of(rows, q, t0);
    REQUIRE(first);
    CHECK(first->servers == 2);
    CHECK(first->last_id == "a");
    q.marker = first->last_id;
    auto second = tenant_usage_of(rows, q, t0);
    REQUIRE(second);
    CHECK(second->servers == 2);
    CHECK(second->tenants[0].server_usages[0].instance_id == "b");
    CHECK(second->last_id == "c");
  }
  SECTION("an unknown marker") {
    auto q = period(t0, t0 + hour);
    q.marker = "nope";
    auto report = tenant_usage_of(rows, q, t0);
    REQUIRE_FALSE(report);
    CHECK(report.error() == errc::invalid_input);
    CHECK(error_message(report.error()) == "Marker nope could not be found.");
  }
}
