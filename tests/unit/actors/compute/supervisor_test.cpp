#define CAF_SUITE supervisor
#include "tests/support/actor_fixture.hpp"

#include <deque>
#include <memory>

#include <caf/all.hpp>

#include "actors/compute/supervisor.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "messages/errors.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// The conductor's part: which compute manager serves each host.
struct conductor_log {
  std::deque<compute_online> online;
};

caf::behavior conductor(caf::event_based_actor*,
                        std::shared_ptr<conductor_log> log) {
  return {
    [log](compute_online& x) { log->online.push_back(std::move(x)); },
  };
}

// The store's part: no instances on any host; the scheduler's: reports.
caf::behavior store_and_scheduler(caf::event_based_actor*) {
  return {
    [](list_instances&) { return instance_list{}; },
    [](host_report&) {
      // nop
    },
  };
}

struct fixture : test::actor_fixture {
  test::temp_dir tmp;
  std::shared_ptr<conductor_log> log = std::make_shared<conductor_log>();
  metrics::registry_ptr reg = std::make_shared<metrics::registry>();
  supervisor_actor sup;
  bool stopped = false;

  fixture() {
    auto others = sys.spawn<
      test::stub<caf::event_based_actor, store_and_scheduler>>();
    supervisor_config sc;
    sc.conductor = caf::actor_cast<conductor_actor>(sys.spawn(conductor, log));
    sc.restarts = restart_counters_of(reg);
    compute_config c;
    c.host.name = "h";
    c.host.capacity = {4, 2048, 40};
    c.report_interval_s = 3600;
    c.drv = std::make_shared<fake_driver>("h", fake_driver_options{});
    c.instances_path = tmp.path.string(); // its image cache's
    c.store = caf::actor_cast<store_actor>(others);
    c.scheduler = caf::actor_cast<scheduler_actor>(others);
    c.conductor = sc.conductor;
    c.metrics = compute_metrics::of(reg, "h");
    c.detach_workers = false;
    sc.computes.push_back(std::move(c));
    sup = spawn_supervisor(sys, std::move(sc));
    sched.run();
  }

  ~fixture() {
    if (stopped)
      return;
    // The supervisor first, as the pipeline stops them: the compute
    // manager, which holds the supervisor's handle, is not restarted.
    auto cm = compute();
    self->send_exit(sup, caf::exit_reason::user_shutdown);
    self->send_exit(cm, caf::exit_reason::user_shutdown);
    sched.run();
  }

  template <class T, class Query>
  T ask(const Query& q) {
    self->send(sup, q);
    sched.run();
    T out;
    self->receive([&](T& x) { out = std::move(x); },
                  caf::after(0s) >> [] { CAF_FAIL("no answer"); });
    return out;
  }

  compute_actor compute() {
    return ask<compute_actor>(get_compute{"h"});
  }

  compute_online online() {
    CAF_REQUIRE(!log->online.empty());
    auto x = std::move(log->online.front());
    log->online.pop_front();
    return x;
  }

  double counted(const std::string& kind) {
    return reg->runtime.restarts.Add({{"kind", kind}}).Value();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(supervisor_tests, fixture)

CAF_TEST(each host gets a compute manager and the conductor its handle) {
  auto first = online();
  CAF_CHECK_EQUAL(first.host, "h");
  CAF_CHECK(!first.restarted);
  CAF_CHECK(first.handle == compute());
  CAF_CHECK(log->online.empty());
  CAF_CHECK(ask<restart_counts>(get_restarts{}).by_kind.empty());
}

CAF_TEST(a compute manager that died is restarted and the conductor gets the
           new one) {
  auto first = online();
  auto boom = caf::make_error(caf::sec::runtime_error, std::string{"boom"});
  self->send_exit(first.handle, boom);
  sched.run();
  auto second = online();
  CAF_CHECK_EQUAL(second.host, "h");
  CAF_CHECK(second.restarted);
  CAF_CHECK_EQUAL(second.reason, "boom");
  CAF_CHECK(second.handle != first.handle);
  CAF_CHECK(second.handle == compute());
  auto counts = ask<restart_counts>(get_restarts{});
  CAF_CHECK_EQUAL(counts.by_kind["compute_manager"], 1);
  CAF_CHECK_EQUAL(counted("compute_manager"), 1.0);
}

CAF_TEST(an orderly stop of a compute manager is no crash) {
  auto first = online();
  self->send_exit(first.handle, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK(log->online.empty());
  CAF_CHECK(ask<restart_counts>(get_restarts{}).by_kind.empty());
}

CAF_TEST(a supervisor told to go takes its compute managers with it) {
  auto cm = online().handle;
  self->monitor(cm);
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  sched.run();
  stopped = true;
  auto gone = false;
  self->receive(
    [&](caf::down_msg& dm) {
      gone = dm.source == cm.address()
             && dm.reason == caf::exit_reason::user_shutdown;
    },
    caf::after(0s) >> [] { CAF_FAIL("the compute manager is still there"); });
  CAF_CHECK(gone);
  CAF_CHECK(log->online.empty());
}

CAF_TEST(driver worker restarts that compute managers report are counted) {
  caf::anon_send(sup, actor_restarted{"driver_worker", "h", "boom"});
  sched.run();
  auto counts = ask<restart_counts>(get_restarts{});
  CAF_CHECK_EQUAL(counts.by_kind["driver_worker"], 1);
  CAF_CHECK_EQUAL(counted("driver_worker"), 1.0);
}

CAF_TEST(an unknown host has no compute manager) {
  self->send(sup, get_compute{"nowhere"});
  sched.run();
  self->receive([](compute_actor&) { CAF_FAIL("a compute manager"); },
                [](caf::error& err) {
                  CAF_CHECK(err == errc::compute_host_not_found);
                },
                caf::after(0s) >> [] { CAF_FAIL("no answer"); });
}

CAF_TEST_FIXTURE_SCOPE_END()
