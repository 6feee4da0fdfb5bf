#include <catch2/catch.hpp>

#include "actors/api/external_events.hpp"

using namespace vmforge;

namespace {

instance row(const std::string& id, const std::string& host,
             vm_state vm = vm_state::active,
             power_state power = power_state::running) {
  instance r;
  r.id = id;
  r.host = host;
  r.vm = vm;
  r.task = task_state::none;
  r.power = power;
  return r;
}

server_event event(const std::string& name, const std::string& id,
                   const char* tag = nullptr) {
  server_event e;
  e.name = name;
  e.server_uuid = id;
  e.has_tag = tag != nullptr;
  e.tag = tag ? tag : "";
  return e;
}

} // namespace

TEST_CASE("external_events: each event's code and status as Nova's",
          "[external_events]") {
  std::vector<instance> rows{row("a", "compute-1"), row("b", "")};
  SECTION("accepted, unknown server, no host, missing tag") {
    std::vector<server_event> events{
      event("network-changed", "a"), event("network-vif-plugged", "x"),
      event("network-vif-unplugged", "b"), event("power-update", "a"),
      event("volume-extended", "a", "vol-1")};
    CHECK_FALSE(decide_events(events, rows));
    CHECK(events[0].code == 200);
    CHECK(events[0].status == "completed");
    CHECK(events[1].code == 404);
    CHECK(events[1].status == "failed");
    CHECK(events[2].code == 422);
    CHECK(events[3].code == 400);
    CHECK(events[4].code == 200);
  }
  SECTION("all accepted") {
    std::vector<server_event> events{event("network-vif-deleted", "a", "p")};
    CHECK(decide_events(events, rows));
  }
}

TEST_CASE("external_events: the actions recorded and the power state a "
          "power-update syncs",
          "[external_events]") {
  CHECK(std::string{recorded_action(event("volume-extended", "a", "v"))}
        == "extend_volume");
  CHECK(std::string{recorded_action(event("power-update", "a", "POWER_ON"))}
        == "start");
  CHECK(std::string{recorded_action(event("power-update", "a", "POWER_OFF"))}
        == "stop");
  CHECK(recorded_action(event("network-changed", "a")) == nullptr);
  CHECK(recorded_action(event("power-update", "a", "SIDEWAYS")) == nullptr);

  auto off = power_update_of(event("power-update", "a", "POWER_OFF"),
                             row("a", "compute-1"));
  REQUIRE(off);
  CHECK(off->id == "a");
  CHECK(off->vm == vm_state::stopped);
  CHECK(off->power == power_state::shutdown);
  CHECK(off->expected.contains(task_state::none));
  CHECK_FALSE(off->expected.contains(task_state::deleting));
  auto on = power_update_of(event("power-update", "a", "POWER_ON"),
                            row("a", "c", vm_state::stopped,
                                power_state::shutdown));
  REQUIRE(on);
  CHECK(on->vm == vm_state::active);
  CHECK(on->power == power_state::running);
  // Nova's no-ops: already in that state, or busy.
  CHECK_FALSE(power_update_of(event("power-update", "a", "POWER_ON"),
                              row("a", "c")));
  auto busy = row("a", "c");
  busy.task = task_state::rebooting;
  CHECK_FALSE(power_update_of(event("power-update", "a", "POWER_OFF"), busy));
  CHECK_FALSE(power_update_of(event("network-changed", "a"), row("a", "c")));
}
