#include <catch2/catch.hpp>

#include <mutex>
#include <thread>

#include "drivers/fake/fake_driver.hpp"
#include "tests/functional/fixture.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

options two_ranked_hosts() {
  auto opts = test_options(2);
  // compute-1 stays preferred by every weigher for the first few builds.
  opts.hosts[0].capacity = {128, 800000, 20000};
  opts.hosts[1].capacity = {64, 400000, 10000};
  return opts;
}

} // namespace

TEST_CASE("a driver worker that crashes mid-build is restarted and the build "
          "rescheduled",
          "[supervision]") {
  auto opts = two_ranked_hosts();
  auto factory = [opts](const host_config& host) -> driver_ptr {
    auto fo = opts.fake_driver;
    if (host.name == "compute-1")
      fo.throw_on_nth_call = 1; // its first call throws
    return std::make_shared<fake_driver>(host.name, fo);
  };
  harness h{opts, factory};
  auto id = h.create("crash");
  CHECK(h.wait_final(id).vm == vm_state::active);
  CHECK(h.hosts_tried(id) == std::vector<std::string>{"compute-1", "compute-2"});
  CHECK(h.restarts().by_kind["driver_worker"] == 1);
  CHECK(h.stats().reschedules == 1);
  // The host works again with its replacement worker.
  auto next = h.create("after");
  CHECK(h.wait_final(next).vm == vm_state::active);
  CHECK(h.hosts_tried(next) == std::vector<std::string>{"compute-1"});
  CHECK(h.usage("compute-1").used == resources{1, 512, 1});
  CHECK(h.usage("compute-2").used == resources{1, 512, 1});
}

TEST_CASE("a compute manager that dies is restarted and its builds handed "
          "back to the conductor",
          "[supervision]") {
  auto opts = two_ranked_hosts();
  opts.fake_driver.latency_min_ms = opts.fake_driver.latency_max_ms = 300;
  harness h{opts};
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(h.create("vm-" + std::to_string(i)));
  for (auto& id : ids)
    REQUIRE(h.wait_state(id, vm_state::building, task_state::spawning));
  auto old = h.compute("compute-1");
  caf::anon_send_exit(old, caf::exit_reason::kill);
  for (auto& id : ids) {
    CHECK(h.wait_final(id).vm == vm_state::active);
    CHECK(h.hosts_tried(id)
          == std::vector<std::string>{"compute-1", "compute-2"});
  }
  CHECK(h.restarts().by_kind["compute_manager"] == 1);
  CHECK(h.compute("compute-1") != old);
  CHECK(h.stats().in_flight == 0);
  for (auto& v : h.host_views())
    CHECK(v.used
          == (v.host == "compute-2" ? resources{3, 1536, 3} : resources{}));
  CHECK(h.usage("compute-1").used == resources{});
  CHECK(h.usage("compute-2").used == resources{3, 1536, 3});
  // The new compute manager takes builds.
  auto next = h.create("after");
  CHECK(h.wait_final(next).vm == vm_state::active);
  CHECK(h.hosts_tried(next) == std::vector<std::string>{"compute-1"});
}

TEST_CASE("a restarted compute manager accounts for the instances already "
          "on its host",
          "[supervision]") {
  harness h{two_ranked_hosts()};
  auto id = h.create("survivor");
  REQUIRE(h.wait_final(id).vm == vm_state::active);
  REQUIRE(h.hosts_tried(id) == std::vector<std::string>{"compute-1"});
  caf::anon_send_exit(h.compute("compute-1"), caf::exit_reason::kill);
  CHECK(h.wait_for([&] {
    return h.restarts().by_kind["compute_manager"] == 1;
  }));
  CHECK(h.usage("compute-1").used == resources{1, 512, 1});
  // And can still delete it.
  REQUIRE(h.remove(id));
  CHECK(h.wait_deleted(id));
  CHECK(h.usage("compute-1").used == resources{});
  CHECK(h.p->drivers.at("compute-1")->list_instances().empty());
}

TEST_CASE("a power action the driver fails leaves the vm_state and clears "
          "the task",
          "[actions]") {
  auto opts = test_options(1);
  // Calls on the host: spawn (1) and its power state read (2); the stop is
  // the third, and throws, crashing its worker.
  auto factory = [opts](const host_config& host) -> driver_ptr {
    auto fo = opts.fake_driver;
    fo.throw_on_nth_call = 3;
    return std::make_shared<fake_driver>(host.name, fo);
  };
  harness h{opts, factory};
  auto id = h.create("fragile");
  REQUIRE(h.wait_final(id).vm == vm_state::active);
  REQUIRE(h.act(id, "os-stop"));
  REQUIRE(h.wait_state(id, vm_state::active, task_state::powering_off));
  // The worker died mid-call: the stop is retried on its replacement.
  CHECK(h.wait_state(id, vm_state::stopped, task_state::none));
  CHECK(h.restarts().by_kind["driver_worker"] == 1);
}

TEST_CASE("a power action on an instance the driver lost fails cleanly",
          "[actions]") {
  harness h{test_options(1)};
  auto id = h.create("vanishing");
  REQUIRE(h.wait_final(id).vm == vm_state::active);
  // The domain disappears behind vmforge's back.
  REQUIRE(h.p->drivers.at("compute-1")->destroy(id).ok);
  REQUIRE(h.act(id, "os-stop"));
  REQUIRE(h.wait_state(id, vm_state::active, task_state::powering_off));
  CHECK(h.wait_for([&] {
    auto row = h.show(id);
    return row && row->task == task_state::none;
  }));
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->vm == vm_state::active);
  auto actions = h.actions(id);
  REQUIRE(actions.size() == 2);
  REQUIRE(actions[1].events.size() == 1);
  CHECK(actions[1].events[0].name == "compute_stop_instance");
  CHECK(actions[1].events[0].result == "Error");
}

TEST_CASE("a core actor that dies is reported for the daemon to exit",
          "[supervision]") {
  // Declared first: they outlive the pipeline and its callback.
  std::mutex mtx;
  std::vector<std::string> crashed;
  harness h{test_options(1)};
  h.p->on_crash([&](const std::string& who, const std::string&) {
    std::lock_guard<std::mutex> guard{mtx};
    crashed.push_back(who);
  });
  caf::anon_send_exit(h.p->conductor, caf::exit_reason::kill);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (!crashed.empty())
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  std::lock_guard<std::mutex> guard{mtx};
  CHECK(crashed == std::vector<std::string>{"conductor"});
}
