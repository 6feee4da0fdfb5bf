#include <catch2/catch.hpp>

#include <algorithm>

#include "recovery/recovery.hpp"
#include "config/options.hpp"

using namespace vmforge;

namespace {

instance row(std::string id, vm_state vm, task_state task, std::string host,
             power_state power = power_state::running) {
  instance r;
  r.id = std::move(id);
  r.flavor_ = default_flavors()[0];
  r.vm = vm;
  r.task = task;
  r.host = std::move(host);
  r.power = power;
  return r;
}

const instance& find(const std::vector<instance>& rows, const std::string& id) {
  return *std::find_if(rows.begin(), rows.end(),
                       [&](const instance& r) { return r.id == id; });
}

bool changed(const recovery_plan& plan, const std::string& id) {
  return std::count(plan.changed.begin(), plan.changed.end(), id) != 0;
}

} // namespace

TEST_CASE("recovery: builds are resumed or finished from the hypervisor",
          "[recovery]") {
  using vs = vm_state;
  using ts = task_state;
  std::vector<instance> rows{
    row("queued", vs::building, ts::scheduling, ""),
    row("spawned", vs::building, ts::spawning, "h1"),
    row("lost", vs::building, ts::spawning, "h1"),
    row("stopped-domain", vs::building, ts::networking, "h2"),
    row("gone-host", vs::building, ts::spawning, "h9"),
  };
  std::map<std::string, host_domains> hosts{
    {"h1", {{"spawned", power_state::running}}},
    {"h2", {{"stopped-domain", power_state::shutdown}}}};
  auto plan = plan_recovery(rows, hosts, {{"lost", "req-lost"}});
  // Spawned before the crash: ACTIVE, claims kept, event recorded.
  CHECK(find(rows, "spawned").vm == vs::active);
  CHECK(find(rows, "spawned").task == ts::none);
  CHECK(changed(plan, "spawned"));
  // Everything else builds again; the host it was on counts as tried.
  REQUIRE(plan.rebuilds.size() == 4);
  for (auto& b : plan.rebuilds) {
    auto& r = find(rows, b.instance_id);
    CHECK(r.task == ts::scheduling);
    CHECK(r.host.empty());
    if (b.instance_id == "lost") {
      CHECK(b.tried_hosts == std::vector<std::string>{"h1"});
      CHECK(b.request_id == "req-lost");
    }
    if (b.instance_id == "queued" || b.instance_id == "gone-host")
      CHECK(b.tried_hosts.empty());
  }
  // The domain of a build that did not finish is destroyed.
  CHECK(plan.orphans
        == std::vector<std::pair<std::string, std::string>>{
          {"h2", "stopped-domain"}});
  CHECK(plan.events.size() == 3); // spawned (ok), lost and stopped (failed)
}

TEST_CASE("recovery: power states follow the hypervisor as Nova syncs them",
          "[recovery]") {
  using vs = vm_state;
  using ts = task_state;
  std::vector<instance> rows{
    row("running", vs::active, ts::none, "h1"),
    row("vanished", vs::active, ts::none, "h1"),
    row("shut-down", vs::active, ts::none, "h1"),
    row("started", vs::stopped, ts::none, "h1", power_state::shutdown),
    row("deleting", vs::active, ts::deleting, "h1"),
    row("stopping", vs::active, ts::powering_off, "h1"),
    row("failed", vs::error, ts::none, ""),
  };
  std::map<std::string, host_domains> hosts{
    {"h1",
     {{"running", power_state::running},
      {"shut-down", power_state::shutdown},
      {"started", power_state::running},
      {"deleting", power_state::running},
      {"stopping", power_state::running},
      {"stray", power_state::running}}}};
  auto plan = plan_recovery(rows, hosts, {});
  CHECK_FALSE(changed(plan, "running"));
  CHECK(find(rows, "vanished").vm == vs::active);
  CHECK(find(rows, "vanished").power == power_state::nostate);
  CHECK(find(rows, "shut-down").vm == vs::stopped);
  CHECK(find(rows, "shut-down").power == power_state::shutdown);
  CHECK(find(rows, "started").power == power_state::shutdown);
  CHECK(plan.power_offs
        == std::vector<std::pair<std::string, std::string>>{{"h1", "started"}});
  CHECK(plan.deletes
        == std::vector<std::pair<std::string, std::string>>{{"deleting", "h1"}});
  REQUIRE(plan.actions.size() == 1);
  CHECK(plan.actions[0].instance_id == "stopping");
  CHECK(plan.actions[0].call == driver_call::power_off);
  CHECK(plan.orphans
        == std::vector<std::pair<std::string, std::string>>{{"h1", "stray"}});
  CHECK(plan.rebuilds.empty());
}

TEST_CASE("recovery: snapshots and shelving a restart interrupted lose their "
          "task, unshelves their host",
          "[recovery]") {
  using vs = vm_state;
  using ts = task_state;
  std::vector<instance> rows{
    row("snapshot", vs::active, ts::image_uploading, "h1"),
    row("pending", vs::stopped, ts::image_snapshot_pending, "h1",
        power_state::shutdown),
    row("shelving", vs::active, ts::shelving_image_pending_upload, "h1"),
    row("offloading", vs::shelved, ts::shelving_offloading, "h1",
        power_state::shutdown),
    row("shelved", vs::shelved, ts::none, "h1", power_state::shutdown),
    row("offloaded", vs::shelved_offloaded, ts::none, ""),
    row("unshelving", vs::shelved_offloaded, ts::unshelving, ""),
    row("spawning", vs::shelved_offloaded, ts::spawning, "h1"),
  };
  std::map<std::string, host_domains> hosts{
    {"h1",
     {{"snapshot", power_state::running},
      {"pending", power_state::shutdown},
      {"shelving", power_state::shutdown},
      {"offloading", power_state::shutdown},
      {"shelved", power_state::shutdown},
      {"spawning", power_state::running}}}};
  auto plan = plan_recovery(rows, hosts, {});
  for (auto id : {"snapshot", "pending", "shelving", "offloading",
                  "unshelving", "spawning"}) {
    INFO(id);
    CHECK(find(rows, id).task == ts::none);
    CHECK(changed(plan, id));
  }
  CHECK(find(rows, "snapshot").vm == vs::active);
  CHECK(find(rows, "offloading").vm == vs::shelved);
  // A shelve interrupted after the power off is the stopped guest's.
  CHECK(find(rows, "shelving").vm == vs::stopped);
  CHECK(find(rows, "shelving").host == "h1");
  CHECK(find(rows, "spawning").vm == vs::shelved_offloaded);
  CHECK(find(rows, "spawning").host.empty());
  CHECK_FALSE(changed(plan, "shelved"));
  CHECK_FALSE(changed(plan, "offloaded"));
  CHECK(plan.rebuilds.empty());
  CHECK(plan.actions.empty());
  // The unshelve's half-made domain goes; the shelved ones stay.
  CHECK(plan.orphans
        == std::vector<std::pair<std::string, std::string>>{
          {"h1", "spawning"}});
}
