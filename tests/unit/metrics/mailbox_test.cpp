#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conductor/conductor.hpp"
#include "actors/scheduler/scheduler.hpp"
#include "app/pipeline.hpp"
#include "tests/support/metric_sample.hpp"

using namespace vmforge;
using namespace vmforge::test;

TEST_CASE("the scheduler's and conductor's mailbox depths are sampled",
          "[metrics]") {
  caf::actor_system_config cfg;
  configure(cfg);
  cfg.set("scheduler.policy", caf::atom("testing"));
  // One message per run, so that the rest wait in the mailbox.
  cfg.set("scheduler.max-throughput", 1);
  caf::actor_system sys{cfg};
  auto& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  auto reg = std::make_shared<metrics::registry>();
  auto sel = host_selector::make(scheduler_options{});
  REQUIRE(sel);
  auto scheduler = spawn_scheduler(sys, std::move(*sel), reg);
  auto conductor = spawn_conductor(
    sys, conductor_config{3, 600, 60000, scheduler, {}, reg});
  sched.run();
  host_report r;
  r.host = "compute-1";
  caf::anon_send(scheduler, r);
  caf::anon_send(conductor, timeout_tick{});
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(scheduler, release_claim{"x"});
    caf::anon_send(conductor, instance_terminated{"x", "compute-1"});
  }
  sched.prioritize(scheduler);
  sched.run_once();
  sched.prioritize(conductor);
  sched.run_once();
  auto depth = [&](const char* actor) {
    return sample(*reg, "vmforge_actor_mailbox_messages", {{"actor", actor}});
  };
  CHECK(depth("scheduler") == 3);
  CHECK(depth("conductor") == 3);
  sched.run();
  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(conductor, caf::exit_reason::user_shutdown);
  sched.run();
}
