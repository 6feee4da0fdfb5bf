#include <catch2/catch.hpp>

#include "actors/compute/resource_tracker.hpp"
#include "tests/functional/fixture.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

// Hosts whose RAM makes the weighers prefer compute-1, then -2, -3, ...
options ranked_hosts(int n) {
  auto opts = test_options(n);
  for (int i = 0; i < n; ++i)
    opts.hosts[i].capacity = {64, 800000 - i * 100000, 10000};
  return opts;
}

std::string host_name(int i) {
  return "compute-" + std::to_string(i);
}

void check_no_claims(harness& h) {
  for (auto& v : h.host_views()) {
    CHECK(v.used == resources{});
    CHECK(h.usage(v.host).used == resources{});
  }
}

} // namespace

TEST_CASE("a retryable failure reschedules to the next host", "[reschedule]") {
  auto opts = ranked_hosts(3);
  opts.fake_driver.fail_on_hosts = {host_name(1)};
  harness h{opts};
  auto id = h.create("r");
  auto last = h.wait_final(id);
  CHECK(last.vm == vm_state::active);
  CHECK(h.hosts_tried(id) == std::vector<std::string>{host_name(1), host_name(2)});
  CHECK(h.sequence(id)
        == std::vector<std::string>{
          "building/scheduling", "building/none", "building/networking",
          "building/block_device_mapping", "building/spawning",
          "building/scheduling", "building/none", "building/networking",
          "building/block_device_mapping", "building/spawning", "active/none"});
  CHECK(h.stats().reschedules == 1);
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->host == host_name(2));
  for (auto& v : h.host_views())
    CHECK(v.used == (v.host == host_name(2) ? resources{1, 512, 1} : resources{}));
  CHECK(h.usage(host_name(1)).used == resources{});
  CHECK(h.usage(host_name(2)).used == resources{1, 512, 1});
  // The user's create action shows both attempts (os-instance-actions).
  auto actions = h.actions(id);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].action == "create");
  CHECK(actions[0].request_id == "req-test");
  auto& ev = actions[0].events;
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].name == "conductor_schedule_and_build_instances");
  CHECK(ev[0].result == "Success");
  CHECK(ev[1].name == "compute__do_build_and_run_instance");
  CHECK(ev[1].host == host_name(1));
  CHECK(ev[1].result == "Error");
  CHECK(ev[1].traceback == "Fake driver: spawn always fails on host compute-1");
  CHECK(ev[2].host == host_name(2));
  CHECK(ev[2].result == "Success");
}

TEST_CASE("max_attempts failures put the instance in ERROR with Nova's fault",
          "[reschedule]") {
  auto opts = ranked_hosts(4);
  opts.fake_driver.fail_on_hosts = {host_name(1), host_name(2), host_name(3)};
  harness h{opts};
  auto id = h.create("r");
  CHECK(h.wait_final(id).vm == vm_state::error);
  CHECK(h.hosts_tried(id)
        == std::vector<std::string>{host_name(1), host_name(2), host_name(3)});
  auto row = h.show(id);
  REQUIRE(row);
  REQUIRE(row->has_fault);
  CHECK(row->fault_.code == 500);
  CHECK(row->fault_.message
        == "Exceeded maximum number of retries. Exceeded max scheduling "
           "attempts 3 for instance "
             + id
             + ". Last exception: Fake driver: spawn always fails on host "
               "compute-3");
  CHECK(row->host.empty());
  CHECK(h.stats().reschedules == 2);
  check_no_claims(h);
}

TEST_CASE("running out of hosts before max_attempts is also ERROR",
          "[reschedule]") {
  auto opts = ranked_hosts(2);
  opts.fake_driver.fail_on_hosts = {host_name(1), host_name(2)};
  harness h{opts};
  auto id = h.create("r");
  CHECK(h.wait_final(id).vm == vm_state::error);
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->fault_.message
        == "Exceeded maximum number of retries. Exhausted all hosts available "
           "for retrying build failures for instance "
             + id + ".");
  CHECK(row->fault_.details
        == "Fake driver: spawn always fails on host compute-2");
  check_no_claims(h);
}

TEST_CASE("no host passing the filters is ERROR: No valid host was found",
          "[reschedule]") {
  auto opts = test_options(2);
  for (auto& host : opts.hosts)
    host.capacity = {4, 8192, 100};
  harness h{opts};
  auto id = h.create("big", "5"); // m1.xlarge: 8 vCPUs > 4 physical
  CHECK(h.wait_final(id).vm == vm_state::error);
  CHECK(h.hosts_tried(id).empty());
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->fault_.message
        == "No valid host was found. There are not enough hosts available.");
  CHECK(h.stats().no_valid_host == 1);
  CHECK(h.sequence(id)
        == std::vector<std::string>{"building/scheduling", "error/none"});
}

TEST_CASE("a non-retryable failure is ERROR at once", "[reschedule]") {
  auto opts = ranked_hosts(3);
  opts.fake_driver.abort_rate = 1.0;
  harness h{opts};
  auto id = h.create("r");
  CHECK(h.wait_final(id).vm == vm_state::error);
  CHECK(h.hosts_tried(id) == std::vector<std::string>{host_name(1)});
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->fault_.message
        == "Build of instance " + id + " aborted: fake driver injected abort");
  CHECK(h.stats().reschedules == 0);
  check_no_claims(h);
}

TEST_CASE("max_attempts = 1 disables rescheduling", "[reschedule]") {
  auto opts = ranked_hosts(2);
  opts.scheduler.max_attempts = 1;
  opts.fake_driver.fail_on_hosts = {host_name(1)};
  harness h{opts};
  auto id = h.create("r");
  CHECK(h.wait_final(id).vm == vm_state::error);
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->fault_.message == "Fake driver: spawn always fails on host compute-1");
  CHECK(h.hosts_tried(id) == std::vector<std::string>{host_name(1)});
}

TEST_CASE("the compute host's own claim has the last word", "[compute]") {
  resource_tracker rt{{2, 1024, 10}, {1.0, 1.0, 1.0}};
  CHECK(rt.claim("a", {1, 512, 5}).empty());
  CHECK(rt.claim("b", {1, 1024, 1})
        == "Insufficient compute resources: Free memory 512.00 MB < "
           "requested 1024 MB.");
  CHECK(rt.claim("b", {1, 512, 6})
        == "Insufficient compute resources: Free disk 5.00 GB < requested 6 "
           "GB.");
  CHECK(rt.claim("b", {2, 512, 1})
        == "Insufficient compute resources: Free vcpu 1.00 VCPU < requested "
           "2 VCPU.");
  CHECK(rt.used() == resources{1, 512, 5});
  CHECK(rt.release("a"));
  CHECK_FALSE(rt.release("a"));
  CHECK(rt.used() == resources{});
}
