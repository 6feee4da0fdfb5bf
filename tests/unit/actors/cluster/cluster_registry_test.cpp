#define CAF_SUITE cluster_registry
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/cluster/cluster_registry.hpp"
#include "messages/errors.hpp"
#include "tests/support/metric_sample.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// A compute process's link: the registry only monitors it.
caf::behavior link_stub(caf::event_based_actor*) {
  return {
    [](link_retry&) {
      // nop
    },
  };
}

instance row(std::string id, vm_state vm, task_state task, power_state ps) {
  instance x;
  x.id = std::move(id);
  x.host = "compute-1";
  x.vm = vm;
  x.task = task;
  x.power = ps;
  return x;
}

// The registry's peers are scoped actors, as the conductor suite's: what it
// sends them waits in their mailboxes, to be checked in order.
struct fixture : test::actor_fixture {
  caf::scoped_actor conductor{sys};
  caf::scoped_actor scheduler{sys};
  caf::scoped_actor store{sys};
  metrics::registry_ptr metrics = std::make_shared<metrics::registry>();
  cluster_actor registry;

  fixture() {
    registry = spawn_cluster_registry(
      sys, cluster_registry_config{as<conductor_actor>(conductor),
                                   as<scheduler_actor>(scheduler),
                                   as<store_actor>(store), metrics});
    sched.run();
  }

  template <class Handle>
  static Handle as(const caf::scoped_actor& stub) {
    return caf::actor_cast<Handle>(caf::actor{stub});
  }

  controller_link_actor link() {
    return caf::actor_cast<controller_link_actor>(
      sys.spawn<test::stub<caf::event_based_actor, link_stub>>());
  }

  join_request request(uint64_t incarnation, controller_link_actor l,
                       std::vector<domain_state> domains = {}) {
    join_request req;
    req.host = "compute-1";
    req.incarnation = incarnation;
    req.link = std::move(l);
    req.domains = std::move(domains);
    return req;
  }

  void send_join(join_request req) {
    self->send(registry, std::move(req));
    expect((join_request), from(self).to(registry));
  }

  /// Answers the store's listing of compute-1 with `rows`.
  void list(std::vector<instance> rows = {}) {
    auto q = std::get<0>(extract<list_instances>(store));
    CAF_CHECK_EQUAL(q.host, "compute-1");
    CAF_CHECK(q.project_id.empty());
    store->receive([&](list_instances&) { return instance_list{rows}; });
    expect((instance_list), from(store).to(registry));
  }

  caf::expected<join_accepted> answer() {
    caf::expected<join_accepted> out{caf::sec::request_timeout};
    self->receive([&](join_accepted& acc) { out = std::move(acc); },
                  [&](caf::error& err) { out = std::move(err); },
                  caf::after(0s) >> [] { CAF_FAIL("no answer"); });
    return out;
  }

  join_accepted join(uint64_t incarnation, controller_link_actor l,
                     std::vector<domain_state> domains = {},
                     std::vector<instance> rows = {}) {
    send_join(request(incarnation, std::move(l), std::move(domains)));
    list(std::move(rows));
    auto acc = answer();
    CAF_REQUIRE(acc);
    return std::move(*acc);
  }

  template <class T>
  T next(const caf::scoped_actor& peer) {
    auto x = std::get<0>(extract<T>(peer));
    expect((T), from(registry).to(peer));
    return x;
  }

  /// compute_offline of compute-1 to the conductor and the scheduler.
  void check_offline(const std::string& reason) {
    CAF_CHECK_EQUAL(next<compute_offline>(conductor).reason, reason);
    auto c = next<compute_offline>(scheduler);
    CAF_CHECK_EQUAL(c.host, "compute-1");
    CAF_CHECK_EQUAL(c.reason, reason);
  }

  static bool idle(const caf::scoped_actor& peer) {
    return peer->peek_at_next_mailbox_element() == nullptr;
  }

  cluster_host_list hosts() {
    self->send(registry, get_cluster_hosts{});
    sched.run();
    cluster_host_list out;
    self->receive([&](cluster_host_list& x) { out = std::move(x); },
                  caf::after(0s) >> [] { CAF_FAIL("no answer"); });
    return out;
  }

  double joins(const std::string& result) {
    return test::sample(*metrics, "vmforge_cluster_joins_total",
                        {{"result", result}});
  }

  double connected() {
    return test::sample(*metrics, "vmforge_cluster_hosts_connected");
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_registry_tests, fixture)

CAF_TEST(a compute of another protocol version is refused) {
  auto req = request(1, link());
  req.protocol_version = cluster_protocol_version + 1;
  send_join(req);
  auto acc = answer();
  CAF_REQUIRE(!acc);
  CAF_CHECK(acc.error() == errc::incompatible_compute);
  CAF_CHECK_EQUAL(error_message(acc.error()),
                  "Compute host compute-1 speaks cluster protocol "
                    + std::to_string(cluster_protocol_version + 1)
                    + "; this controller speaks "
                    + std::to_string(cluster_protocol_version) + ".");
  CAF_CHECK(idle(store));
  CAF_CHECK_EQUAL(joins("incompatible"), 1);
  CAF_CHECK(hosts().items.empty());
}

CAF_TEST(an accepted join answers the handles of the controller and the
           reconciliation of the host) {
  using vs = vm_state;
  using ts = task_state;
  using ps = power_state;
  std::vector<instance> rows{
    row("i-active", vs::active, ts::none, ps::running),
    row("i-stopped", vs::stopped, ts::none, ps::shutdown),
    row("i-shut", vs::active, ts::none, ps::running),
    row("i-building", vs::building, ts::spawning, ps::nostate),
    row("i-deleting", vs::active, ts::deleting, ps::running),
    row("i-rebooting", vs::active, ts::rebooting, ps::running)};
  std::vector<domain_state> domains{
    {"i-active", ps::running},   {"i-stopped", ps::running},
    {"i-shut", ps::shutdown},
    {"i-building", ps::running}, {"i-deleting", ps::running},
    {"i-rebooting", ps::running}, {"i-orphan", ps::running}};
  auto acc = join(1, link(), domains, rows);
  CAF_CHECK(acc.conductor == as<conductor_actor>(conductor));
  CAF_CHECK(acc.scheduler == as<scheduler_actor>(scheduler));
  CAF_CHECK(acc.store == as<store_actor>(store));
  // The building row's build is the conductor's: its domain goes, as does
  // the domain of no row and that of a row being deleted.
  CAF_CHECK_EQUAL(acc.destroy, (std::vector<std::string>{
                                 "i-building", "i-orphan", "i-deleting"}));
  CAF_CHECK_EQUAL(acc.power_off, std::vector<std::string>{"i-stopped"});
  // A guest that stopped by itself: the row follows, SHUTOFF.
  auto fix = next<instance_update>(store);
  CAF_CHECK_EQUAL(fix.id, "i-shut");
  CAF_CHECK(fix.vm == vs::stopped);
  CAF_CHECK(fix.set_power && fix.power == ps::shutdown);
  CAF_CHECK(fix.expected.contains(ts::none));
  CAF_CHECK(!fix.expected.contains(ts::powering_off)); // a task won meanwhile
  CAF_CHECK(idle(store));
  auto del = next<delete_request>(conductor);
  CAF_CHECK_EQUAL(del.instance_id, "i-deleting");
  CAF_CHECK_EQUAL(del.host, "compute-1");
  auto act = next<instance_action>(conductor);
  CAF_CHECK_EQUAL(act.instance_id, "i-rebooting");
  CAF_CHECK_EQUAL(act.host, "compute-1");
  CAF_CHECK(act.call == driver_call::reboot);
  CAF_CHECK(idle(conductor));
  CAF_CHECK(idle(scheduler));
  CAF_CHECK_EQUAL(joins("accepted"), 1);
  CAF_CHECK_EQUAL(connected(), 1);
  auto list = hosts();
  CAF_REQUIRE_EQUAL(list.items.size(), 1u);
  CAF_CHECK_EQUAL(list.items[0].host, "compute-1");
  CAF_CHECK_EQUAL(list.items[0].incarnation, 1u);
  CAF_CHECK(list.items[0].connected);
  CAF_CHECK_EQUAL(list.items[0].joins, 1);
}

CAF_TEST(another incarnation is refused while the link of the first is up
           and accepted after its down_msg) {
  auto first = link();
  join(1, first);
  auto second = link();
  send_join(request(2, second));
  auto refused = answer();
  CAF_REQUIRE(!refused);
  CAF_CHECK(refused.error() == errc::compute_already_joined);
  CAF_CHECK(idle(store)); // refused before any reconciliation
  CAF_CHECK_EQUAL(joins("already_joined"), 1);
  self->send_exit(first, caf::exit_reason::remote_link_unreachable);
  sched.run();
  check_offline("lost its link (remote_link_unreachable)");
  CAF_CHECK_EQUAL(connected(), 0);
  join(2, second);
  CAF_CHECK(idle(conductor)); // offline already
  auto list = hosts();
  CAF_REQUIRE_EQUAL(list.items.size(), 1u);
  CAF_CHECK_EQUAL(list.items[0].incarnation, 2u);
  CAF_CHECK(list.items[0].connected);
  CAF_CHECK_EQUAL(list.items[0].joins, 2);
  CAF_CHECK_EQUAL(list.items[0].link_losses, 1);
  CAF_CHECK_EQUAL(test::sample(*metrics, "vmforge_cluster_link_losses_total"),
                  1);
}

CAF_TEST(a compute that stops is offline as stopped) {
  auto l = link();
  join(1, l);
  self->send_exit(l, caf::exit_reason::user_shutdown);
  sched.run();
  check_offline("stopped");
  CAF_CHECK(!hosts().items[0].connected);
}

CAF_TEST(the same incarnation joining again is accepted; what its old
           session held is offline first) {
  auto l = link();
  join(1, l);
  auto req = request(1, l);
  req.rejoins = 1;
  send_join(req);
  list();
  CAF_CHECK(answer());
  check_offline("rejoined (incarnation 1)");
  // Monitored once: its one loss is one compute_offline.
  self->send_exit(l, caf::exit_reason::remote_link_unreachable);
  sched.run();
  check_offline("lost its link (remote_link_unreachable)");
  CAF_CHECK(idle(conductor));
  // A copy: CAF_CHECK_EQUAL keeps a reference past the temporary.
  auto after = hosts();
  CAF_CHECK_EQUAL(after.items[0].link_losses, 1);
}

CAF_TEST(a store that does not list the host in time fails the join) {
  send_join(request(1, link()));
  CAF_REQUIRE(!idle(store));
  sched.trigger_timeouts();
  sched.run();
  auto acc = answer();
  CAF_REQUIRE(!acc);
  CAF_CHECK(acc.error() == caf::sec::request_timeout);
  CAF_CHECK_EQUAL(joins("failed"), 1);
  CAF_CHECK(hosts().items.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
