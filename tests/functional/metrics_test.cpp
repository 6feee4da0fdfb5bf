#include <catch2/catch.hpp>

#include "metrics/registry.hpp"
#include "tests/functional/fixture.hpp"
#include "tests/support/metric_sample.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

double builds(harness& h, const char* result) {
  return sample(*h.p->metrics, "vmforge_builds_total", {{"result", result}});
}

double stage(harness& h, const char* name) {
  return sample(*h.p->metrics, "vmforge_build_stage_duration_seconds",
                {{"stage", name}});
}

double host_gauge(harness& h, const char* name, const char* host) {
  return sample(*h.p->metrics, name, {{"host", host}});
}

double filter(harness& h, const char* which, const char* name) {
  return sample(*h.p->metrics,
                std::string{"vmforge_scheduler_filter_hosts_"} + which
                  + "_total",
                {{"filter", name}});
}

} // namespace

TEST_CASE("7 builds, 2 of them rescheduled once: every counter moves by "
          "exactly that",
          "[metrics]") {
  // compute-1 (zone b) is preferred and fails every spawn; compute-3 is
  // zone b's other host, compute-2 is alone in zone a.
  auto opts = test_options(3);
  const char* zones[] = {"b", "a", "b"};
  for (int i = 0; i < 3; ++i) {
    opts.hosts[i].availability_zone = zones[i];
    opts.hosts[i].capacity = {64, 800000 - i * 100000, 10000};
  }
  // RAM alone ranks the hosts: claims in flight cannot tip the order.
  opts.scheduler.cpu_weight_multiplier = 0;
  opts.scheduler.disk_weight_multiplier = 0;
  opts.fake_driver.fail_on_hosts = {"compute-1"};
  harness h{opts};
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(h.create("a-" + std::to_string(i), "1", "a"));
  for (int i = 0; i < 2; ++i)
    ids.push_back(h.create("b-" + std::to_string(i), "1", "b"));
  for (auto& id : ids)
    REQUIRE(h.wait_final(id).vm == vm_state::active);
  // The conductor hears of the last ACTIVE after the store does.
  REQUIRE(h.wait_for([&] { return builds(h, "active") == 7; }));
  auto& reg = *h.p->metrics;
  CHECK(builds(h, "error") == 0);
  CHECK(builds(h, "deleted") == 0);
  CHECK(sample(reg, "vmforge_build_reschedules_total") == 2);
  CHECK(sample(reg, "vmforge_build_no_valid_host_total") == 0);
  CHECK(sample(reg, "vmforge_build_timeouts_total") == 0);
  CHECK(sample(reg, "vmforge_builds_in_flight") == 0);
  CHECK(sample(reg, "vmforge_build_duration_seconds") == 7);
  // 9 attempts: each waited for a host, for a slot, and spawned.
  CHECK(stage(h, "scheduling") == 9);
  CHECK(stage(h, "queued") == 9);
  CHECK(stage(h, "spawning") == 9);
  // The reschedules took the claimed alternate: 7 decisions.
  CHECK(sample(reg, "vmforge_scheduler_decision_duration_seconds") == 7);
  CHECK(filter(h, "considered", "ComputeFilter") == 21);
  CHECK(filter(h, "passed", "ComputeFilter") == 21);
  CHECK(filter(h, "considered", "AvailabilityZoneFilter") == 21);
  CHECK(filter(h, "passed", "AvailabilityZoneFilter") == 5 * 1 + 2 * 2);
  CHECK(filter(h, "considered", "RamFilter") == 9);
  CHECK(filter(h, "passed", "DiskFilter") == 9);
  CHECK(sample(reg, "vmforge_instances", {{"vm_state", "active"}}) == 7);
  CHECK(sample(reg, "vmforge_instances", {{"vm_state", "building"}}) == 0);
  // A host answers a request only after its earlier handlers (and the
  // gauges they set) are done: the conductor may hear of a build first.
  for (auto host : {"compute-1", "compute-2", "compute-3"})
    h.usage(host);
  // m1.tiny: 1 vCPU, 512 MiB, 1 GiB.
  CHECK(host_gauge(h, "vmforge_compute_host_vcpus_used", "compute-1") == 0);
  CHECK(host_gauge(h, "vmforge_compute_host_vcpus_used", "compute-2") == 5);
  CHECK(host_gauge(h, "vmforge_compute_host_vcpus_used", "compute-3") == 2);
  CHECK(host_gauge(h, "vmforge_compute_host_memory_used_bytes", "compute-3")
        == 2 * 512.0 * 1024 * 1024);
  CHECK(host_gauge(h, "vmforge_compute_host_disk_used_bytes", "compute-2")
        == 5 * 1024.0 * 1024 * 1024);
  CHECK(host_gauge(h, "vmforge_compute_host_vcpus", "compute-3") == 64);
  CHECK(host_gauge(h, "vmforge_compute_host_memory_bytes", "compute-3")
        == 600000 * 1024.0 * 1024);
  for (auto host : {"compute-1", "compute-2", "compute-3"}) {
    CHECK(host_gauge(h, "vmforge_compute_host_up", host) == 1);
    CHECK(host_gauge(h, "vmforge_compute_host_running_builds", host) == 0);
    CHECK(host_gauge(h, "vmforge_compute_host_queued_builds", host) == 0);
  }
}

TEST_CASE("deleted, timed-out and unplaceable builds are counted once each",
          "[metrics]") {
  auto opts = test_options(1);
  // Too small for m1.xlarge (8 vCPUs): CoreFilter turns it away.
  opts.hosts[0].capacity = {4, 8192, 100};
  opts.fake_driver.hang_on_hosts = {"compute-1"};
  opts.instance_build_timeout_s = 1;
  harness h{opts};
  auto& reg = *h.p->metrics;
  auto doomed = h.create("deleted");
  REQUIRE(h.wait_state(doomed, vm_state::building, task_state::spawning));
  // The compute manager sets its gauges after it has sent the state to the
  // store: the store may be seen first.
  CHECK(h.wait_for([&] {
    return host_gauge(h, "vmforge_compute_host_running_builds", "compute-1")
           == 1;
  }));
  CHECK(sample(reg, "vmforge_builds_in_flight") == 1);
  REQUIRE(h.remove(doomed));
  REQUIRE(h.wait_deleted(doomed));
  auto slow = h.create("timed-out");
  REQUIRE(h.wait_final(slow, 10s).vm == vm_state::error);
  auto nowhere = h.create("nowhere", "5");
  REQUIRE(h.wait_final(nowhere).vm == vm_state::error);
  REQUIRE(h.wait_for([&] {
    return sample(reg, "vmforge_builds_in_flight") == 0
           && builds(h, "error") == 2;
  }));
  CHECK(builds(h, "active") == 0);
  CHECK(builds(h, "deleted") == 1);
  CHECK(sample(reg, "vmforge_build_timeouts_total") == 1);
  CHECK(sample(reg, "vmforge_build_no_valid_host_total") == 1);
  CHECK(sample(reg, "vmforge_build_reschedules_total") == 0);
  CHECK(sample(reg, "vmforge_instances", {{"vm_state", "error"}}) == 2);
  h.usage("compute-1");
  CHECK(host_gauge(h, "vmforge_compute_host_running_builds", "compute-1")
        == 0);
  CHECK(host_gauge(h, "vmforge_compute_host_vcpus_used", "compute-1") == 0);
}

TEST_CASE("restarts are counted by actor kind", "[metrics]") {
  auto opts = test_options(1);
  opts.fake_driver.throw_on_nth_call = 1; // the first spawn crashes a worker
  harness h{opts};
  auto& reg = *h.p->metrics;
  auto restarts = [&](const char* kind) {
    return sample(reg, "vmforge_actor_restarts_total", {{"kind", kind}});
  };
  CHECK(restarts("compute_manager") == 0);
  CHECK(restarts("driver_worker") == 0);
  REQUIRE(h.wait_final(h.create("crash")).vm == vm_state::error);
  CHECK(h.wait_for([&] { return restarts("driver_worker") == 1; }));
  caf::anon_send_exit(h.compute("compute-1"), caf::exit_reason::kill);
  CHECK(h.wait_for([&] { return restarts("compute_manager") == 1; }));
  CHECK(restarts("driver_worker") == 1);
}

TEST_CASE("a forced-down host's up gauge is 0 until an operator clears it",
          "[metrics]") {
  harness h{test_options(1)};
  auto up = [&] {
    return host_gauge(h, "vmforge_compute_host_up", "compute-1");
  };
  CHECK(up() == 1);
  (*h.self)->send(h.p->scheduler, force_host_down{"compute-1", true});
  CHECK(h.wait_for([&] { return up() == 0; }, 5s));
  (*h.self)->send(h.p->scheduler, force_host_down{"compute-1", false});
  CHECK(h.wait_for([&] { return up() == 1; }, 5s));
}

TEST_CASE("a host is up while ComputeFilter takes it: disabled, or silent "
          "past service_down_time, it is down",
          "[metrics]") {
  auto opts = test_options(1);
  opts.report_interval_s = 1;
  opts.scheduler.service_down_time_s = 2;
  harness h{opts};
  CHECK(host_gauge(h, "vmforge_compute_host_up", "compute-1") == 1);
  (*h.self)->send(h.p->scheduler, set_host_status{"compute-1", true, "x"});
  CHECK(h.wait_for(
    [&] { return host_gauge(h, "vmforge_compute_host_up", "compute-1") == 0; },
    5s));
  // A host that reports once and never again goes down by time alone.
  host_report ghost;
  ghost.host = "ghost";
  ghost.capacity = {8, 8192, 100};
  (*h.self)->send(h.p->scheduler, ghost);
  CHECK(h.wait_for(
    [&] { return host_gauge(h, "vmforge_compute_host_up", "ghost") == 1; },
    5s));
  CHECK(h.wait_for(
    [&] { return host_gauge(h, "vmforge_compute_host_up", "ghost") == 0; },
    10s));
}
