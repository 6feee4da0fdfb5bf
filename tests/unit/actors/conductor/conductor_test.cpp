#define CAF_SUITE conductor
#include "tests/support/actor_fixture.hpp"

#include <map>

#include <caf/all.hpp>

#include "actors/conductor/conductor.hpp"
#include "messages/errors.hpp"
#include "tests/support/metric_sample.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// The conductor's peers are scoped actors: what the conductor sends them
// waits in their mailboxes, to be checked in order. Its timeout tick
// re-arms itself for ever, so the conductor runs by expect() and
// sched.run() (messages only), never by run(), which triggers timers until
// none is left.
struct fixture : test::actor_fixture {
  const std::string id = "i-1";
  caf::scoped_actor scheduler{sys};
  caf::scoped_actor store{sys};
  std::map<std::string, caf::scoped_actor> hosts;
  metrics::registry_ptr metrics = std::make_shared<metrics::registry>();
  conductor_actor conductor;

  ~fixture() override {
    if (conductor) {
      caf::anon_send_exit(conductor, caf::exit_reason::user_shutdown);
      sched.run();
    }
  }

  template <class Handle>
  static Handle as(const caf::scoped_actor& stub) {
    return caf::actor_cast<Handle>(caf::actor{stub});
  }

  void start(conductor_config cfg = {}) {
    cfg.scheduler = as<scheduler_actor>(scheduler);
    cfg.store = as<store_actor>(store);
    cfg.metrics = metrics;
    conductor = spawn_conductor(sys, std::move(cfg));
    sched.run();
  }

  /// Sends `x` to the conductor, which handles it (and only it).
  template <class T>
  void tell(T x) {
    self->send(conductor, std::move(x));
    expect((T), from(self).to(conductor));
  }

  /// The compute manager of `name` (a stub) reports for duty.
  void online(const std::string& name, bool restarted = false,
              const std::string& reason = {}) {
    auto& stub = hosts.try_emplace(name, sys).first->second;
    tell(compute_online{name, as<compute_actor>(stub), restarted, reason});
  }

  /// What the conductor sent `peer` next, which must be a `T`.
  template <class T>
  T next(const caf::scoped_actor& peer) {
    auto x = std::get<0>(extract<T>(peer));
    expect((T), from(conductor).to(peer));
    return x;
  }

  template <class T>
  T next_on(const std::string& host) {
    return next<T>(hosts.at(host));
  }

  static bool idle(const caf::scoped_actor& peer) {
    return peer->peek_at_next_mailbox_element() == nullptr;
  }

  /// Answers the scheduler's next request, which must be a `Request`, with
  /// `reply` (a value or an error), and lets the conductor handle it.
  template <class Request, class Reply>
  Request answer(Reply reply) {
    auto req = std::get<0>(extract<Request>(scheduler));
    scheduler->receive([&](Request&) { return reply; });
    expect((Reply), from(scheduler).to(conductor));
    return req;
  }

  build_request build() const {
    build_request req;
    req.instance_id = id;
    req.db_id = 1;
    req.project_id = "p";
    req.flavor_ = flavor{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
    req.image_id = "img";
    req.request_id = "req-1";
    return req;
  }

  /// A new build placed on `host` by the scheduler: its first attempt.
  build_and_run place(const std::string& host,
                      std::vector<std::string> alternates = {}) {
    tell(build());
    answer<select_destinations>(host_selection{id, host, alternates, "nova"});
    auto event = next<record_action>(store);
    CAF_CHECK_EQUAL(event.event.name, "conductor_schedule_and_build_instances");
    CAF_CHECK_EQUAL(event.event.result, "Success");
    return next_on<build_and_run>(host);
  }

  void fail_on(const std::string& host, uint32_t attempt,
               const std::string& reason, bool retryable = true) {
    tell(build_result{id, host, attempt, false, retryable, reason});
  }

  /// A retried failure: the claim goes back, the row to scheduling.
  void check_rescheduled() {
    CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
    auto u = next<instance_update>(store);
    CAF_CHECK(u.vm == vm_state::building);
    CAF_CHECK(u.task == task_state::scheduling);
    CAF_CHECK(u.set_host && u.host.empty());
  }

  /// The update that ends the build in ERROR with Nova's fault.
  instance_update check_error(const std::string& message) {
    auto u = next<instance_update>(store);
    CAF_CHECK_EQUAL(u.id, id);
    CAF_CHECK(u.vm == vm_state::error);
    CAF_CHECK(u.task == task_state::none);
    CAF_CHECK(u.set_host && u.host.empty());
    CAF_CHECK(u.set_fault);
    CAF_CHECK_EQUAL(u.fault_.code, 500);
    CAF_CHECK_EQUAL(u.fault_.message, message);
    return u;
  }

  conductor_stats stats() {
    self->send(conductor, get_conductor_stats{});
    expect((get_conductor_stats), from(self).to(conductor));
    conductor_stats out;
    self->receive([&](conductor_stats& x) { out = x; });
    return out;
  }

  double counter(const std::string& name, const test::metric_labels& l = {}) {
    return test::sample(*metrics, name, l);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(conductor_tests, fixture)

CAF_TEST(a build goes to the host the scheduler chose and ends there) {
  start();
  online("compute-1");
  tell(build());
  auto sel = answer<select_destinations>(
    host_selection{id, "compute-1", {"compute-2", "compute-3"}, "az1"});
  CAF_CHECK_EQUAL(sel.spec.instance_id, id);
  CAF_CHECK(sel.spec.need == (resources{1, 512, 1}));
  CAF_CHECK(sel.ignore_hosts.empty());
  CAF_CHECK_EQUAL(sel.num_alternates, 2); // max_attempts - 1
  auto event = next<record_action>(store);
  CAF_CHECK(event.is_event);
  CAF_CHECK_EQUAL(event.action.request_id, "req-1");
  CAF_CHECK_EQUAL(event.event.name, "conductor_schedule_and_build_instances");
  CAF_CHECK_EQUAL(event.event.result, "Success");
  auto run = next_on<build_and_run>("compute-1");
  CAF_CHECK_EQUAL(run.req.instance_id, id);
  CAF_CHECK_EQUAL(run.host, "compute-1");
  CAF_CHECK_EQUAL(run.attempt, 1u);
  // The host's zone, for the compute manager to store on the instance.
  CAF_CHECK_EQUAL(run.availability_zone, "az1");
  CAF_CHECK_EQUAL(stats().in_flight, 1);
  tell(build_result{id, "compute-1", 1, true, false, {}});
  // The compute manager records ACTIVE itself; the claim stays.
  CAF_CHECK(idle(store));
  CAF_CHECK(idle(scheduler));
  auto st = stats();
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(st.builds_active, 1);
  CAF_CHECK_EQUAL(counter("vmforge_builds_total", {{"result", "active"}}), 1);
}

CAF_TEST(a retryable failure claims the next alternate for attempt 2) {
  start();
  online("compute-1");
  online("compute-2");
  place("compute-1", {"compute-2"});
  fail_on("compute-1", 1, "boom");
  check_rescheduled();
  auto claim = answer<claim_host>(host_claimed{id, "compute-2", "az2"});
  CAF_CHECK_EQUAL(claim.host, "compute-2");
  CAF_CHECK_EQUAL(claim.spec.instance_id, id);
  auto run = next_on<build_and_run>("compute-2");
  CAF_CHECK_EQUAL(run.attempt, 2u);
  CAF_CHECK_EQUAL(run.availability_zone, "az2");
  // The scheduling event is recorded once per build, not per attempt.
  CAF_CHECK(idle(store));
  // A late answer of the first attempt changes nothing.
  fail_on("compute-1", 1, "late");
  CAF_CHECK(idle(store));
  CAF_CHECK(idle(scheduler));
  CAF_CHECK_EQUAL(stats().reschedules, 1);
  CAF_CHECK_EQUAL(counter("vmforge_build_reschedules_total"), 1);
}

CAF_TEST(a refused claim moves on to the next alternate) {
  start();
  online("compute-1");
  online("compute-3");
  place("compute-1", {"compute-2", "compute-3"});
  fail_on("compute-1", 1, "boom");
  check_rescheduled();
  answer<claim_host>(nova_error(errc::claim_failed, "compute-2", "full"));
  auto claim = answer<claim_host>(host_claimed{id, "compute-3", "nova"});
  CAF_CHECK_EQUAL(claim.host, "compute-3");
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-3").attempt, 2u);
}

CAF_TEST(the max_attempts-th failure ends in ERROR with the fault Nova gives) {
  start();
  for (auto host : {"compute-1", "compute-2", "compute-3"})
    online(host);
  place("compute-1", {"compute-2", "compute-3"});
  fail_on("compute-1", 1, "boom 1");
  check_rescheduled();
  answer<claim_host>(host_claimed{id, "compute-2", "nova"});
  next_on<build_and_run>("compute-2");
  fail_on("compute-2", 2, "boom 2");
  check_rescheduled();
  answer<claim_host>(host_claimed{id, "compute-3", "nova"});
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-3").attempt, 3u);
  fail_on("compute-3", 3, "boom 3");
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  check_error("Exceeded maximum number of retries. Exceeded max scheduling "
              "attempts 3 for instance i-1. Last exception: boom 3");
  CAF_CHECK(idle(scheduler));
  auto st = stats();
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(st.builds_error, 1);
  CAF_CHECK_EQUAL(st.reschedules, 2);
}

CAF_TEST(without alternates the scheduler is asked again without the hosts
           tried; none left is ERROR with the last reason as details) {
  start();
  online("compute-1");
  place("compute-1");
  fail_on("compute-1", 1, "boom");
  check_rescheduled();
  auto again = answer<select_destinations>(
    nova_error(errc::no_valid_host, "none"));
  CAF_CHECK(again.ignore_hosts == std::vector<std::string>{"compute-1"});
  CAF_CHECK_EQUAL(again.num_alternates, 1);
  auto u = check_error("Exceeded maximum number of retries. Exhausted all "
                       "hosts available for retrying build failures for "
                       "instance i-1.");
  CAF_CHECK_EQUAL(u.fault_.details, "boom");
  // The scheduling event was recorded at the first placement only.
  CAF_CHECK(idle(store));
}

CAF_TEST(no valid host is ERROR with the fault Nova gives and a failed event) {
  start();
  tell(build());
  answer<select_destinations>(
    nova_error(errc::no_valid_host,
               "There are not enough hosts available."));
  const std::string why = "No valid host was found. There are not enough "
                          "hosts available.";
  auto event = next<record_action>(store);
  CAF_CHECK_EQUAL(event.event.name, "conductor_schedule_and_build_instances");
  CAF_CHECK_EQUAL(event.event.result, "Error");
  CAF_CHECK_EQUAL(event.event.traceback, why);
  check_error(why);
  auto st = stats();
  CAF_CHECK_EQUAL(st.no_valid_host, 1);
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(counter("vmforge_build_no_valid_host_total"), 1);
}

CAF_TEST(a failure that is not retryable ends in ERROR at once) {
  start();
  online("compute-1");
  online("compute-2");
  place("compute-1", {"compute-2"});
  fail_on("compute-1", 1, "Image img could not be found.", false);
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  check_error("Image img could not be found.");
  CAF_CHECK(idle(scheduler));
  CAF_CHECK(idle(hosts.at("compute-2")));
}

CAF_TEST(a delete during scheduling is settled when the scheduler answers) {
  start();
  online("compute-1");
  tell(build());
  tell(delete_request{id, {}});
  // Nothing to do until the scheduler answers: its claim is coming.
  CAF_CHECK(idle(store));
  answer<select_destinations>(host_selection{id, "compute-1", {}, "nova"});
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK_EQUAL(next<instance_deleted>(store).id, id);
  CAF_CHECK(idle(store));
  CAF_CHECK(idle(hosts.at("compute-1"))); // no host ever sees the build
  auto st = stats();
  CAF_CHECK_EQUAL(st.builds_deleted, 1);
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(counter("vmforge_builds_total", {{"result", "deleted"}}), 1);
}

CAF_TEST(a delete on the host is settled once the host terminated it) {
  start();
  online("compute-1");
  place("compute-1");
  tell(delete_request{id, "compute-1"});
  CAF_CHECK_EQUAL(next_on<terminate_instance>("compute-1").instance_id, id);
  // The build's own answer no longer counts.
  fail_on("compute-1", 1, "aborted");
  CAF_CHECK(idle(store));
  tell(instance_terminated{id, "compute-1"});
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK_EQUAL(next<instance_deleted>(store).id, id);
  CAF_CHECK_EQUAL(stats().builds_deleted, 1);
}

CAF_TEST(instance_build_timeout puts a build in ERROR at a tick after it) {
  conductor_config cfg;
  cfg.instance_build_timeout_s = 5;
  cfg.build_timeout_check_ms = 1000;
  start(cfg);
  online("compute-1");
  place("compute-1");
  // The tick at 1 s (the clock jumps to 4 s) finds nothing due yet.
  advance_time(4s);
  expect((timeout_tick), from(conductor).to(conductor));
  CAF_CHECK(idle(store));
  // The next one, due at 5 s, does.
  advance_time(1s);
  expect((timeout_tick), from(conductor).to(conductor));
  check_error("Build of instance i-1 timed out after 5 seconds.");
  CAF_CHECK_EQUAL(next_on<terminate_instance>("compute-1").instance_id, id);
  // Still held until the host has cleaned up; its late answer is ignored.
  CAF_CHECK_EQUAL(stats().in_flight, 1);
  tell(build_result{id, "compute-1", 1, true, false, {}});
  CAF_CHECK_EQUAL(stats().builds_active, 0);
  tell(instance_terminated{id, "compute-1"});
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK(idle(store)); // the row stays, in ERROR
  auto st = stats();
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(st.build_timeouts, 1);
  CAF_CHECK_EQUAL(counter("vmforge_build_timeouts_total"), 1);
}

CAF_TEST(the builds of a restarted compute manager are rescheduled) {
  start();
  online("compute-1");
  online("compute-2");
  place("compute-1", {"compute-2"});
  online("compute-1", true, "killed");
  // Its build event, which the dead compute manager could not record.
  auto event = next<record_action>(store);
  CAF_CHECK_EQUAL(event.event.name, "compute__do_build_and_run_instance");
  CAF_CHECK_EQUAL(event.event.result, "Error");
  CAF_CHECK_EQUAL(event.event.host, "compute-1");
  CAF_CHECK_EQUAL(event.event.traceback,
                  "Compute manager of host compute-1 failed: killed");
  check_rescheduled();
  answer<claim_host>(host_claimed{id, "compute-2", "nova"});
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-2").attempt, 2u);
  CAF_CHECK(idle(hosts.at("compute-1")));
}

CAF_TEST(a compute manager that comes up for the first time loses nothing) {
  start();
  online("compute-1");
  place("compute-1");
  online("compute-2");
  CAF_CHECK(idle(store));
  CAF_CHECK(idle(scheduler));
  CAF_CHECK_EQUAL(stats().in_flight, 1);
}

CAF_TEST(a select_destinations the scheduler does not answer in time ends
           the build in ERROR) {
  conductor_config cfg;
  cfg.scheduler_timeout_s = 30;
  start(cfg);
  tell(build());
  // The scheduler took the request and never answers.
  CAF_CHECK_EQUAL(next<select_destinations>(scheduler).spec.instance_id, id);
  advance_time(29s);
  sched.run(); // the conductor's ticks
  CAF_CHECK(idle(store));
  advance_time(1s);
  sched.run();
  // Whatever the late scheduler claims is given back.
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  const std::string why = "Timed out waiting for a reply to "
                          "select_destinations after 30 seconds.";
  auto event = next<record_action>(store);
  CAF_CHECK_EQUAL(event.event.result, "Error");
  CAF_CHECK_EQUAL(event.event.traceback, why);
  check_error(why);
  CAF_CHECK_EQUAL(stats().in_flight, 0);
  CAF_CHECK_EQUAL(counter("vmforge_build_scheduler_timeouts_total",
                          {{"request", "select_destinations"}}),
                  1);
  CAF_CHECK_EQUAL(counter("vmforge_build_scheduler_timeouts_total",
                          {{"request", "claim_host"}}),
                  0);
}

CAF_TEST(a claim_host the scheduler does not answer in time moves on to the
           next alternate) {
  start();
  online("compute-1");
  online("compute-3");
  place("compute-1", {"compute-2", "compute-3"});
  fail_on("compute-1", 1, "boom");
  check_rescheduled();
  CAF_CHECK_EQUAL(next<claim_host>(scheduler).host, "compute-2");
  advance_time(60s); // the default timeout
  sched.run();
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  auto claim = answer<claim_host>(host_claimed{id, "compute-3", "nova"});
  CAF_CHECK_EQUAL(claim.host, "compute-3");
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-3").attempt, 2u);
  CAF_CHECK(idle(store));
  CAF_CHECK_EQUAL(counter("vmforge_build_scheduler_timeouts_total",
                          {{"request", "claim_host"}}),
                  1);
}

CAF_TEST(a delete during a select_destinations that times out wins) {
  start();
  tell(build());
  next<select_destinations>(scheduler);
  tell(delete_request{id, {}});
  advance_time(60s);
  sched.run();
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK_EQUAL(next<instance_deleted>(store).id, id);
  CAF_CHECK(idle(store));
  CAF_CHECK_EQUAL(stats().builds_deleted, 1);
}

CAF_TEST(the builds of a host that went offline are rescheduled elsewhere
           with the host tried) {
  start();
  online("compute-1");
  online("compute-2");
  place("compute-1");
  tell(compute_offline{"compute-1", "lost its link (remote_link_unreachable)"});
  auto event = next<record_action>(store);
  CAF_CHECK_EQUAL(event.event.name, "compute__do_build_and_run_instance");
  CAF_CHECK_EQUAL(event.event.result, "Error");
  CAF_CHECK_EQUAL(event.event.host, "compute-1");
  CAF_CHECK_EQUAL(event.event.traceback,
                  "Compute host compute-1 is offline: lost its link "
                  "(remote_link_unreachable)");
  check_rescheduled();
  auto sel
    = answer<select_destinations>(host_selection{id, "compute-2", {}, "nova"});
  CAF_CHECK_EQUAL(sel.ignore_hosts, std::vector<std::string>{"compute-1"});
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-2").attempt, 2u);
  CAF_CHECK(idle(hosts.at("compute-1")));
  CAF_CHECK_EQUAL(stats().reschedules, 1);
}

CAF_TEST(a build whose hosts go offline until its attempts are exhausted
           ends in ERROR with the fault Nova gives) {
  conductor_config cfg;
  cfg.max_attempts = 2;
  start(cfg);
  online("compute-1");
  online("compute-2");
  place("compute-1", {"compute-2"});
  tell(compute_offline{"compute-1", "stopped"});
  next<record_action>(store);
  check_rescheduled();
  answer<claim_host>(host_claimed{id, "compute-2", "nova"});
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-2").attempt, 2u);
  tell(compute_offline{"compute-2", "stopped"});
  CAF_CHECK_EQUAL(next<record_action>(store).event.host, "compute-2");
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  check_error("Exceeded maximum number of retries. Exceeded max scheduling "
              "attempts 2 for instance i-1. Last exception: Compute host "
              "compute-2 is offline: stopped");
  CAF_CHECK_EQUAL(stats().in_flight, 0);
}

CAF_TEST(a compute manager of another process for a host with builds in
           flight hands them back even when not marked restarted) {
  start();
  online("compute-1");
  online("compute-2");
  place("compute-1", {"compute-2"});
  caf::scoped_actor successor{sys};
  tell(compute_online{"compute-1", as<compute_actor>(successor), false, {}});
  auto event = next<record_action>(store);
  CAF_CHECK_EQUAL(event.event.traceback,
                  "Compute manager of host compute-1 was replaced by a new "
                  "process");
  check_rescheduled();
  answer<claim_host>(host_claimed{id, "compute-2", "nova"});
  CAF_CHECK_EQUAL(next_on<build_and_run>("compute-2").attempt, 2u);
  CAF_CHECK(idle(successor));
}

CAF_TEST(power actions for a host that is not online wait for it once each) {
  start();
  instance_action stop{id, "compute-1", driver_call::power_off, "req-2"};
  tell(stop);
  tell(stop); // asked again by the host's reconciliation
  tell(instance_action{"i-2", "compute-1", driver_call::reboot, "req-3"});
  CAF_CHECK(idle(store)); // the tasks stay
  online("compute-1");
  auto first = next_on<instance_action>("compute-1");
  CAF_CHECK_EQUAL(first.instance_id, id);
  CAF_CHECK(first.call == driver_call::power_off);
  CAF_CHECK_EQUAL(first.request_id, "req-2");
  CAF_CHECK_EQUAL(next_on<instance_action>("compute-1").instance_id, "i-2");
  CAF_CHECK(idle(hosts.at("compute-1")));
}

CAF_TEST(an action without a host clears its task) {
  start();
  tell(instance_action{id, {}, driver_call::power_on, "req-2"});
  auto u = next<instance_update>(store);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK(u.task == task_state::none);
}

CAF_TEST(a delete on a host that is offline is local and drops its queued
           actions) {
  start();
  tell(instance_action{id, "compute-1", driver_call::power_off, "req-2"});
  tell(delete_request{id, "compute-1"});
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK_EQUAL(next<instance_deleted>(store).id, id);
  online("compute-1");
  CAF_CHECK(idle(hosts.at("compute-1")));
}

CAF_TEST(a delete in progress on a host that goes offline is resent when the
           host is online again) {
  start();
  online("compute-1");
  place("compute-1");
  tell(build_result{id, "compute-1", 1, true, false, {}});
  tell(delete_request{id, "compute-1"});
  CAF_CHECK_EQUAL(next_on<terminate_instance>("compute-1").instance_id, id);
  tell(compute_offline{"compute-1", "stopped"});
  CAF_CHECK(idle(store)); // still terminating: the row stays
  online("compute-1");
  CAF_CHECK_EQUAL(next_on<terminate_instance>("compute-1").instance_id, id);
  tell(instance_terminated{id, "compute-1"});
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  CAF_CHECK_EQUAL(next<instance_deleted>(store).id, id);
}

CAF_TEST(a snapshot or shelve goes to the host of the instance and waits for an
           offline one) {
  start();
  online("compute-1");
  instance_operation op;
  op.instance_id = id;
  op.host = "compute-1";
  op.op = instance_op::snapshot;
  op.image_id = "snap";
  op.request_id = "req-2";
  tell(op);
  auto got = next_on<instance_operation>("compute-1");
  CAF_CHECK_EQUAL(got.image_id, "snap");
  CAF_CHECK(got.op == instance_op::snapshot);
  CAF_CHECK(idle(store));
  op.host = "compute-2";
  op.op = instance_op::shelve;
  tell(op);
  CAF_CHECK(idle(store));
  online("compute-2");
  CAF_CHECK(next_on<instance_operation>("compute-2").op == instance_op::shelve);
  // No host at all: the task the API set is cleared.
  op.host.clear();
  op.op = instance_op::shelve_offload;
  tell(op);
  auto u = next<instance_update>(store);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK(u.task == task_state::none);
  CAF_CHECK(u.expected.contains(task_state::shelving_offloading));
}

CAF_TEST(the unshelve of a shelved instance powers it on where it is) {
  start();
  online("compute-1");
  instance_operation op;
  op.instance_id = id;
  op.host = "compute-1";
  op.op = instance_op::unshelve;
  op.image_id = "snap";
  tell(op);
  auto u = next<instance_update>(store);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK(u.task == task_state::powering_on);
  CAF_CHECK(u.expected.contains(task_state::unshelving));
  CAF_CHECK(!u.expected.contains(task_state::none));
  CAF_CHECK(next_on<instance_operation>("compute-1").op
            == instance_op::unshelve);
  CAF_CHECK(idle(scheduler));
}

namespace {

build_request unshelve_of(build_request req) {
  req.unshelve = true;
  req.image_id = "snap";
  req.image_ = make_image("snap", "vm-shelved");
  req.availability_zone = "az2";
  return req;
}

} // namespace

CAF_TEST(an offloaded unshelve is scheduled like a build without alternates
           and spawned from its snapshot) {
  start();
  online("compute-2");
  tell(unshelve_of(build()));
  auto sel
    = answer<select_destinations>(host_selection{id, "compute-2", {}, "nova"});
  CAF_CHECK_EQUAL(sel.num_alternates, 0);
  CAF_CHECK_EQUAL(sel.spec.availability_zone, "az2");
  auto ev = next<record_action>(store);
  CAF_CHECK_EQUAL(ev.event.name, "schedule_instances");
  CAF_CHECK_EQUAL(ev.event.result, "Success");
  auto run = next_on<build_and_run>("compute-2");
  CAF_CHECK(run.req.unshelve);
  CAF_CHECK_EQUAL(run.req.image_id, "snap");
  CAF_CHECK_EQUAL(run.req.image_.id, "snap");
  tell(build_result{id, "compute-2", 1, true, false, {}});
  CAF_CHECK(idle(store));
  auto st = stats();
  CAF_CHECK_EQUAL(st.in_flight, 0);
  CAF_CHECK_EQUAL(st.builds_active, 0); // an unshelve is no build
  CAF_CHECK_EQUAL(counter("vmforge_builds_total", {{"result", "active"}}), 0);
}

CAF_TEST(an unshelve no host can take stays shelved offloaded without a
           task) {
  start();
  tell(unshelve_of(build()));
  answer<select_destinations>(nova_error(errc::no_valid_host, "none"));
  auto ev = next<record_action>(store);
  CAF_CHECK_EQUAL(ev.event.name, "schedule_instances");
  CAF_CHECK_EQUAL(ev.event.result, "Error");
  auto u = next<instance_update>(store);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK(u.task == task_state::none);
  CAF_CHECK(u.expected.contains(task_state::unshelving));
  CAF_CHECK(!u.set_fault);
  CAF_CHECK(idle(store));
  CAF_CHECK_EQUAL(stats().builds_error, 0);
}

CAF_TEST(an unshelve that fails on its host is not rescheduled and stays
           shelved offloaded with the fault) {
  start();
  online("compute-1");
  online("compute-2");
  tell(unshelve_of(build()));
  answer<select_destinations>(host_selection{id, "compute-1", {}, "nova"});
  next<record_action>(store);
  next_on<build_and_run>("compute-1");
  fail_on("compute-1", 1, "spawn failed");
  CAF_CHECK_EQUAL(next<release_claim>(scheduler).instance_id, id);
  auto u = next<instance_update>(store);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK(u.task == task_state::none);
  CAF_CHECK(u.expected.contains(task_state::spawning));
  CAF_CHECK(u.set_host && u.host.empty());
  CAF_CHECK(u.set_fault);
  CAF_CHECK_EQUAL(u.fault_.message, "spawn failed");
  CAF_CHECK(idle(scheduler));
  CAF_CHECK(idle(hosts.at("compute-2")));
  CAF_CHECK_EQUAL(stats().in_flight, 0);
}

CAF_TEST(a console read is delegated to the host of the instance which answers
           the asker) {
  start();
  online("compute-1");
  tell(get_console_output{id, "compute-1", 3});
  hosts.at("compute-1")->receive([](get_console_output& q) {
    CAF_CHECK_EQUAL(q.length, 3);
    return console_text{"tail of " + q.instance_id};
  });
  CAF_CHECK_EQUAL(test::actor_fixture::answer<console_text>().output,
                  "tail of i-1");
  tell(get_console_output{id, "compute-9", -1});
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::service_unavailable);
}

CAF_TEST_FIXTURE_SCOPE_END()
