#define CAF_SUITE driver_worker
#include "tests/support/actor_fixture.hpp"

#include <fstream>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/compute/driver_worker.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "messages/errors.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;

namespace {

// What the worker's owner saw: the worker's replies and its exit.
struct owner_log {
  driver_worker_actor worker;
  std::vector<driver_reply> replies;
  bool exited = false;
  caf::error exit_reason;
};

// Stands in for the compute manager: spawns the worker linked to itself,
// as the compute manager does, and keeps what comes back.
caf::behavior owner(caf::event_based_actor* self, driver_ptr drv,
                    std::shared_ptr<owner_log> log) {
  self->set_exit_handler([self, log](caf::exit_msg& msg) {
    if (msg.source != log->worker.address()) {
      self->quit(msg.reason); // the test is over
      return;
    }
    log->exited = true;
    log->exit_reason = msg.reason;
  });
  log->worker = spawn_driver_worker(self, std::move(drv),
                                    caf::actor_cast<compute_actor>(self),
                                    false);
  return {
    [log](driver_reply& rep) { log->replies.push_back(std::move(rep)); },
  };
}

struct fixture : test::actor_fixture {
  // The image's base file a spawn is made on (the fake driver checks it).
  test::temp_dir tmp;
  std::string base = (tmp.path / "base").string();
  fake_driver_options opts;
  std::shared_ptr<fake_driver> drv;
  std::shared_ptr<owner_log> log = std::make_shared<owner_log>();
  caf::actor parent;

  ~fixture() {
    // The owner and its worker hold each other.
    caf::anon_send_exit(parent, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    std::ofstream{base} << "base";
    drv = std::make_shared<fake_driver>("h", opts);
    parent = sys.spawn(owner, drv, log);
    sched.run();
  }

  // The worker's answer to one call.
  driver_reply call(driver_call what, std::string id) {
    driver_op op;
    op.call = what;
    op.instance_id = id;
    op.spec.instance_id = std::move(id);
    op.spec.instance_name = "instance-00000001";
    op.spec.base_file = base;
    caf::anon_send(log->worker, std::move(op));
    sched.run();
    CAF_REQUIRE_EQUAL(log->replies.size(), 1u);
    auto rep = std::move(log->replies.back());
    log->replies.clear();
    return rep;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(driver_worker_tests, fixture)

CAF_TEST(each call is answered with its outcome and the power state after) {
  start();
  auto rep = call(driver_call::spawn, "a");
  CAF_CHECK(rep.call == driver_call::spawn);
  CAF_CHECK_EQUAL(rep.instance_id, "a");
  CAF_CHECK(rep.ok);
  CAF_CHECK(rep.power == power_state::running);
  CAF_CHECK(drv->list_instances() == std::vector<std::string>{"a"});
  rep = call(driver_call::power_off, "a");
  CAF_CHECK(rep.ok);
  CAF_CHECK(rep.power == power_state::shutdown);
  rep = call(driver_call::get_power_state, "a");
  CAF_CHECK(rep.ok);
  CAF_CHECK(rep.power == power_state::shutdown);
  rep = call(driver_call::destroy, "a");
  CAF_CHECK(rep.ok);
  CAF_CHECK(drv->list_instances().empty());
  CAF_CHECK(!log->exited);
}

CAF_TEST(a failed call says why and whether another host may succeed) {
  opts.fail_on_hosts = {"h"};
  start();
  auto rep = call(driver_call::spawn, "a");
  CAF_CHECK(!rep.ok);
  CAF_CHECK(rep.retryable);
  CAF_CHECK_EQUAL(rep.reason, "Fake driver: spawn always fails on host h");
  CAF_CHECK(rep.power == power_state::nostate);
  rep = call(driver_call::pause, "missing");
  CAF_CHECK(!rep.ok);
  CAF_CHECK(!rep.retryable);
  CAF_CHECK_EQUAL(rep.reason, "Instance missing could not be found.");
  CAF_CHECK(!log->exited);
}

CAF_TEST(a driver exception ends the worker with the exception text) {
  opts.throw_on_nth_call = 1;
  start();
  driver_op op;
  op.call = driver_call::spawn;
  op.instance_id = op.spec.instance_id = "a";
  caf::anon_send(log->worker, std::move(op));
  sched.run();
  CAF_CHECK(log->replies.empty());
  CAF_REQUIRE(log->exited);
  CAF_CHECK(log->exit_reason == caf::sec::runtime_error);
  CAF_CHECK_EQUAL(error_message(log->exit_reason),
                  "fake driver: injected exception in spawn (call 1 on h)");
}

CAF_TEST_FIXTURE_SCOPE_END()
