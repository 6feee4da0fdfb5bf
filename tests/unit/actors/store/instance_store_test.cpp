#define CAF_SUITE instance_store
#include "tests/support/actor_fixture.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

#include <caf/all.hpp>

#include "actors/store/instance_store.hpp"
#include "config/options.hpp"
#include "messages/errors.hpp"
#include "store/memory_repository.hpp"
#include "store/writer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

instance row(const std::string& id, int64_t vcpus = 1) {
  instance r;
  r.id = id;
  r.name = id;
  r.project_id = "p";
  r.user_id = "u";
  r.flavor_ = flavor{"1", "m1.tiny", vcpus, 512, 1, 0, 0, true, false, {}, {}};
  return r; // building/scheduling, as the API creates it
}

quota_limits instances_only(int64_t n) {
  return {n, -1, -1};
}

instance_update to_state(const std::string& id, vm_state vm, task_state task) {
  instance_update u;
  u.id = id;
  u.vm = vm;
  u.task = task;
  return u;
}

// What the test controls of a store writer: it can hold the writer inside
// a batch, so that nothing queued meanwhile becomes durable, and it gets
// the writer's commit notices. The test passes them on to the store:
// under the test coordinator, which is not thread-safe, the store cannot
// hear of them from the writer's thread, as it does in production.
struct writer_control {
  std::mutex mtx;
  std::condition_variable cv;
  bool holding = false;
  bool released = false;
  std::deque<uint64_t> notices;

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, pred);
  }

  template <class Fn>
  void change(Fn fn) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      fn();
    }
    cv.notify_all();
  }
};

struct fixture : test::actor_fixture {
  test::temp_dir dir; // outlives the writer
  std::shared_ptr<writer_control> control
    = std::make_shared<writer_control>();
  std::shared_ptr<store_writer> writer;
  std::shared_ptr<memory_repository> repo
    = std::make_shared<memory_repository>();
  store_actor store;
  std::vector<network> networks = default_networks();

  ~fixture() override {
    release_writer();
    if (store) {
      // Its state holds the writer, which must close before `dir` goes.
      caf::anon_send_exit(store, caf::exit_reason::kill);
      sched.run();
    }
  }

  void start() {
    store = spawn_instance_store(sys, repo,
                                 std::make_shared<metrics::registry>(),
                                 writer, networks);
    sched.run();
  }

  /// A store with a writer on a fresh database; deferred puts wait for
  /// ever, so only what a client waits for is written.
  void start_with_writer() {
    auto db = std::make_unique<database>((dir.path / "test.db").string());
    db->migrate();
    writer = std::make_shared<store_writer>(std::move(db), 1h);
    start();
    // Replaces the store's listener, set as the store started.
    writer->set_listener([c = control](uint64_t seq) {
      c->change([&] { c->notices.push_back(seq); });
    });
  }

  void hold_writer() {
    writer->submit([c = control](database&) {
      c->change([&] { c->holding = true; });
      c->wait([&] { return c->released; });
    });
    CAF_REQUIRE(control->wait([&] { return control->holding; }));
  }

  void release_writer() {
    control->change([&] { control->released = true; });
  }

  /// The next commit notice of the writer, passed on to the store.
  uint64_t next_durable() {
    uint64_t seq = 0;
    CAF_REQUIRE(control->wait([&] { return !control->notices.empty(); }));
    control->change([&] {
      seq = control->notices.front();
      control->notices.pop_front();
    });
    tell(writes_durable{seq});
    return seq;
  }

  /// Sends `x` to the store, which handles it (and only it).
  template <class T>
  void tell(T x) {
    self->send(store, std::move(x));
    expect((T), from(self).to(store));
  }

  /// The store's answer to `x`, a `T` or an error.
  template <class T, class Request>
  caf::expected<T> ask(Request x) {
    tell(std::move(x));
    caf::expected<T> out = caf::make_error(caf::sec::unexpected_response);
    self->receive([&](T& y) { out = std::move(y); },
                  [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  caf::expected<instance_list> create(std::vector<instance> rows,
                                      int64_t min_count,
                                      quota_limits limits = {}) {
    return ask<instance_list>(
      create_instances{std::move(rows), min_count, limits});
  }

  const instance* find(const std::string& id) const {
    return repo->find(id);
  }

  static bool idle(const caf::scoped_actor& a) {
    return a->peek_at_next_mailbox_element() == nullptr;
  }

  /// Every transition `observer` was sent so far, as "vm/task".
  static std::vector<std::string> seen(const caf::scoped_actor& observer) {
    std::vector<std::string> out;
    while (!idle(observer))
      observer->receive([&](instance_transition& t) {
        out.push_back(std::string{to_string(t.vm)} + "/" + to_string(t.task));
      });
    return out;
  }
};

using strings = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(instance_store_tests, fixture)

CAF_TEST(create_instances inserts as many rows as the quota allows) {
  start();
  auto made = create({row("a"), row("b"), row("c")}, 1, instances_only(2));
  CAF_REQUIRE(made);
  CAF_REQUIRE_EQUAL(made->items.size(), 2u);
  CAF_CHECK_EQUAL(made->items[0].id, "a");
  CAF_CHECK_EQUAL(made->items[0].db_id, 1);
  CAF_CHECK_EQUAL(made->items[1].db_id, 2);
  CAF_CHECK(find("c") == nullptr);
  auto use = ask<project_usage>(get_usage{"p"});
  CAF_REQUIRE(use);
  CAF_CHECK_EQUAL(use->instances, 2);
  CAF_CHECK_EQUAL(use->cores, 2);
  CAF_CHECK_EQUAL(use->ram_mb, 1024);
}

CAF_TEST(create_instances refuses what does not fit min_count with the
           message Nova gives) {
  start();
  CAF_REQUIRE(create({row("a")}, 1, instances_only(2)));
  auto refused = create({row("b"), row("c")}, 2, instances_only(2));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::over_quota);
  CAF_CHECK_EQUAL(error_message(refused.error()),
                  "Quota exceeded for instances: Requested 2, but already "
                  "used 1 of 2 instances");
  CAF_CHECK(find("b") == nullptr);
  // Cores are counted by the flavor's vCPUs.
  auto cores = create({row("d", 4)}, 1, {10, 4, -1});
  CAF_REQUIRE(!cores);
  CAF_CHECK_EQUAL(error_message(cores.error()),
                  "Quota exceeded for cores: Requested 4, but already used "
                  "1 of 4 cores");
}

CAF_TEST(an update applies only while the task_state is one it expects) {
  start();
  CAF_REQUIRE(create({row("a")}, 1));
  auto spawning = to_state("a", vm_state::building, task_state::spawning);
  spawning.expected = {task_state::networking};
  tell(spawning); // the row is still scheduling
  CAF_CHECK(find("a")->task == task_state::scheduling);
  spawning.expected = {task_state::scheduling};
  tell(spawning);
  CAF_CHECK(find("a")->task == task_state::spawning);
}

CAF_TEST(a delete in progress wins over every build step) {
  start();
  CAF_CHECK(create({row("a")}, 1));
  // As the API deletes: the task only, whatever the row is doing.
  auto del = to_state("a", vm_state::building, task_state::deleting);
  del.set_vm = false;
  del.expected = task_set::any();
  tell(del);
  auto active = to_state("a", vm_state::active, task_state::none);
  active.set_host = true;
  active.host = "compute-1";
  tell(active); // the default expects anything but deleting
  auto now = find("a");
  CAF_REQUIRE(now != nullptr);
  CAF_CHECK(now->vm == vm_state::building);
  CAF_CHECK(now->task == task_state::deleting);
  CAF_CHECK(now->host.empty());
}

CAF_TEST(observers see every applied transition or only the final ones) {
  start();
  caf::scoped_actor all{sys};
  caf::scoped_actor finals{sys};
  tell(subscribe_transitions{caf::actor{all}, false});
  tell(subscribe_transitions{caf::actor{finals}, true});
  CAF_CHECK(create({row("a"), row("b")}, 1));
  auto spawning = to_state("a", vm_state::building, task_state::spawning);
  spawning.set_host = true;
  spawning.host = "compute-1";
  tell(spawning);
  tell(to_state("a", vm_state::active, task_state::none));
  tell(to_state("b", vm_state::error, task_state::none));
  tell(instance_deleted{"b"});
  tell(instance_deleted{"b"}); // gone already: no transition
  CAF_CHECK_EQUAL(seen(all),
                  (strings{"building/scheduling", "building/scheduling",
                           "building/spawning", "active/none", "error/none",
                           "deleted/none"}));
  CAF_CHECK_EQUAL(seen(finals),
                  (strings{"active/none", "error/none", "deleted/none"}));
}

CAF_TEST(a transition carries the host of the row) {
  start();
  caf::scoped_actor observer{sys};
  tell(subscribe_transitions{caf::actor{observer}, false});
  CAF_CHECK(create({row("a")}, 1));
  observer->receive([](instance_transition& t) { CAF_CHECK(t.host.empty()); });
  auto on_host = to_state("a", vm_state::building, task_state::none);
  on_host.set_host = true;
  on_host.host = "compute-1";
  tell(on_host);
  observer->receive([](instance_transition& t) {
    CAF_CHECK_EQUAL(t.id, "a");
    CAF_CHECK_EQUAL(t.host, "compute-1");
  });
}

CAF_TEST(an update the row refuses is seen by no observer) {
  start();
  caf::scoped_actor observer{sys};
  tell(subscribe_transitions{caf::actor{observer}, false});
  tell(to_state("nowhere", vm_state::active, task_state::none));
  CAF_CHECK(idle(observer));
}

CAF_TEST(without a database sync_store is answered at once) {
  start();
  CAF_CHECK(ask<store_synced>(sync_store{}));
}

CAF_TEST(with a database answers wait until the writes before them are
           durable) {
  start_with_writer();
  hold_writer(); // its batch is write 1
  tell(create_instances{{row("a")}, 1, {}}); // write 2
  tell(sync_store{});
  CAF_CHECK(idle(self));
  release_writer();
  CAF_CHECK_EQUAL(next_durable(), 1u);
  CAF_CHECK(idle(self)); // both wait for write 2
  CAF_CHECK_EQUAL(next_durable(), 2u);
  expect((instance_list), from(store).to(self));
  expect((store_synced), from(store).to(self));
  // Once everything is durable, the answer comes at once.
  CAF_CHECK(ask<store_synced>(sync_store{}));
}

CAF_TEST(with a database sync_store waits for the updates a client waits
           for and not for those of the pipeline) {
  start_with_writer();
  tell(create_instances{{row("a")}, 1, {}});
  CAF_CHECK_EQUAL(next_durable(), 1u);
  expect((instance_list), from(store).to(self));
  // A build step is written behind.
  tell(to_state("a", vm_state::building, task_state::spawning));
  CAF_CHECK(ask<store_synced>(sync_store{}));
  // A delete's 204 waits for its update.
  hold_writer(); // write 2
  auto del = to_state("a", vm_state::building, task_state::deleting);
  del.set_vm = false;
  del.expected = task_set::any();
  del.acknowledged = true;
  tell(del); // write 3
  tell(sync_store{});
  release_writer();
  CAF_CHECK_EQUAL(next_durable(), 2u);
  CAF_CHECK(idle(self));
  CAF_CHECK_EQUAL(next_durable(), 3u);
  expect((store_synced), from(store).to(self));
}

CAF_TEST(allocate_network records the interfaces on the row and each address
           once and a release or a delete frees them) {
  start();
  CAF_REQUIRE(create({row("a"), row("b"), row("c")}, 3));
  auto a = ask<network_info>(allocate_network{"a", "h1"});
  auto b = ask<network_info>(allocate_network{"b", "h2"});
  CAF_REQUIRE(a && b);
  CAF_REQUIRE_EQUAL(a->vifs.size(), 1u);
  CAF_CHECK_EQUAL(a->vifs[0].address, "10.42.0.2");
  CAF_CHECK_EQUAL(a->vifs[0].net.label, "private");
  CAF_CHECK_EQUAL(b->vifs[0].address, "10.42.0.3");
  CAF_CHECK_EQUAL(find("a")->vifs.size(), 1u);
  CAF_CHECK_EQUAL(find("a")->vifs[0].mac, a->vifs[0].mac);
  // Asked again (a build resumed), the row's own come back.
  auto again = ask<network_info>(allocate_network{"a", "h1"});
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->vifs[0].id, a->vifs[0].id);
  // A release from a host the build left is not this allocation's.
  tell(release_network{"a", "h9"});
  CAF_CHECK_EQUAL(find("a")->vifs.size(), 1u);
  tell(release_network{"a", "h1"});
  CAF_CHECK(find("a")->vifs.empty());
  auto c = ask<network_info>(allocate_network{"c", "h1"});
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(c->vifs[0].address, "10.42.0.2");
  tell(instance_deleted{"b"});
  auto a2 = ask<network_info>(allocate_network{"a", "h3"});
  CAF_REQUIRE(a2);
  CAF_CHECK_EQUAL(a2->vifs[0].address, "10.42.0.3");
  auto gone = ask<network_info>(allocate_network{"b", "h1"});
  CAF_REQUIRE(!gone);
  CAF_CHECK_EQUAL(gone.error(), errc::instance_not_found);
  auto nets = ask<network_list>(list_networks{});
  CAF_REQUIRE(nets);
  CAF_REQUIRE_EQUAL(nets->items.size(), 1u);
  CAF_CHECK_EQUAL(nets->items[0].id, networks[0].id);
}

CAF_TEST(allocate_network refuses what the row asked for that cannot be had) {
  networks.push_back(default_networks()[0]);
  networks.back().label = "other";
  networks.back().id = "0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b";
  networks.back().cidr = "10.43.0.0/30";
  networks.back().gateway = "10.43.0.1";
  networks.back().dns = {"10.43.0.1"};
  start();
  auto ambiguous = row("auto");
  auto one = row("one");
  one.requested_networks.mode = network_mode::listed;
  one.requested_networks.listed = {{networks[1].id, {}}};
  auto two = one;
  two.id = "two";
  auto none = row("none");
  none.requested_networks.mode = network_mode::none;
  CAF_REQUIRE(create({ambiguous, one, two, none}, 4));
  // Kept: CAF_CHECK_EQUAL holds a reference to what error() returns.
  auto ambiguous_answer = ask<network_info>(allocate_network{"auto", "h"});
  CAF_CHECK_EQUAL(ambiguous_answer.error(), errc::network_ambiguous);
  auto got = ask<network_info>(allocate_network{"one", "h"});
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(got->vifs[0].address, "10.43.0.2");
  auto exhausted = ask<network_info>(allocate_network{"two", "h"});
  CAF_CHECK_EQUAL(exhausted.error(), errc::no_more_fixed_ips);
  CAF_CHECK(find("two")->vifs.empty());
  auto nothing = ask<network_info>(allocate_network{"none", "h"});
  CAF_REQUIRE(nothing);
  CAF_CHECK(nothing->vifs.empty());
}

CAF_TEST(allocations are durable before they are answered and a restart
           never hands them out again) {
  start_with_writer();
  tell(create_instances{{row("a")}, 1, {}});
  CAF_CHECK_EQUAL(next_durable(), 1u);
  expect((instance_list), from(store).to(self));
  hold_writer(); // write 2
  tell(allocate_network{"a", "h"}); // write 3
  release_writer();
  CAF_CHECK_EQUAL(next_durable(), 2u);
  CAF_CHECK(idle(self));
  CAF_CHECK_EQUAL(next_durable(), 3u);
  network_info first;
  self->receive([&](network_info& x) { first = std::move(x); });
  CAF_REQUIRE_EQUAL(first.vifs.size(), 1u);
  // A restart: the rows as the database holds them.
  auto loaded = database{(dir.path / "test.db").string()}.load();
  CAF_REQUIRE_EQUAL(loaded.instances.size(), 1u);
  CAF_CHECK_EQUAL(loaded.instances[0].vifs.size(), 1u);
  auto again = std::make_shared<memory_repository>();
  again->load(loaded.instances, {});
  auto restarted = spawn_instance_store(
    sys, again, std::make_shared<metrics::registry>(), nullptr, networks);
  self->send(restarted, create_instances{{row("b")}, 1, {}});
  sched.run();
  self->receive([](instance_list&) {});
  self->send(restarted, allocate_network{"b", "h"});
  sched.run();
  self->receive([&](network_info& x) {
    CAF_REQUIRE_EQUAL(x.vifs.size(), 1u);
    CAF_CHECK_NOT_EQUAL(x.vifs[0].address, first.vifs[0].address);
    CAF_CHECK_NOT_EQUAL(x.vifs[0].mac, first.vifs[0].mac);
  });
  caf::anon_send_exit(restarted, caf::exit_reason::kill);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
