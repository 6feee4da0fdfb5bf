#define CAF_SUITE compute_manager
#include "tests/support/actor_fixture.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/compute/compute_manager.hpp"
#include "actors/compute/console_tail.hpp"
#include "actors/compute/image_cache.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "messages/errors.hpp"
#include "tests/support/fake_image_service.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// The fake hypervisor, remembering what each spawn was asked to make.
class recording_driver : public fake_driver {
public:
  using fake_driver::fake_driver;

  driver_status spawn(const spawn_spec& spec) override {
    specs.push_back(spec);
    return fake_driver::spawn(spec);
  }

  std::vector<spawn_spec> specs;
};

// What a stand-in for a controller actor (store, scheduler, conductor or
// supervisor) received from the compute manager, oldest first. As the
// store it answers reads from `rows`; while `hold_reads` is set, only
// once it gets an ok_atom.
struct stub_state {
  std::deque<caf::message> inbox;
  std::vector<instance> rows;
  bool hold_reads = false;
  std::vector<std::function<void()>> held;
  // As the store's IPAM: what allocate_network answers (`vifs`, or
  // `network_error` if set; nothing while `hold_network`), and the
  // allocations and releases asked, apart from the inbox.
  std::vector<vif> vifs;
  caf::error network_error;
  bool hold_network = false;
  std::vector<allocate_network> allocations;
  std::vector<release_network> releases;
  // As the scheduler: where it placed each instance (get_group_hosts'
  // answers); nothing while `hold_groups`.
  std::map<std::string, std::string> placed;
  bool hold_groups = false;
  std::vector<get_group_hosts> group_asks;
};

using stub_ptr = std::shared_ptr<stub_state>;

template <class T>
caf::response_promise answer(caf::event_based_actor* self, stub_state& st,
                             T value) {
  auto rp = self->make_response_promise();
  auto deliver = [rp, value]() mutable { rp.deliver(std::move(value)); };
  if (st.hold_reads)
    st.held.push_back(std::move(deliver));
  else
    deliver();
  return rp;
}

caf::behavior stub(caf::event_based_actor* self, stub_ptr st) {
  return {
    [st](instance_update& x) { st->inbox.push_back(caf::make_message(x)); },
    [st](record_action& x) { st->inbox.push_back(caf::make_message(x)); },
    [st](host_report& x) { st->inbox.push_back(caf::make_message(x)); },
    [st](build_result& x) { st->inbox.push_back(caf::make_message(x)); },
    [st](instance_terminated& x) {
      st->inbox.push_back(caf::make_message(x));
    },
    [st](actor_restarted& x) { st->inbox.push_back(caf::make_message(x)); },
    [self, st](list_instances& x) -> caf::result<instance_list> {
      st->inbox.push_back(caf::make_message(x));
      instance_list out;
      for (auto& row : st->rows)
        if (row.host == x.host)
          out.items.push_back(row);
      return answer(self, *st, std::move(out));
    },
    [self, st](get_instance& x) -> caf::result<instance> {
      st->inbox.push_back(caf::make_message(x));
      for (auto& row : st->rows)
        if (row.id == x.id)
          return answer(self, *st, row);
      return answer(self, *st,
                    nova_error(errc::instance_not_found, x.id));
    },
    [self, st](allocate_network& x) -> caf::result<network_info> {
      st->allocations.push_back(x);
      if (st->hold_network) {
        auto rp = self->make_response_promise<network_info>();
        st->held.push_back([rp]() mutable { rp.deliver(network_info{}); });
        return rp;
      }
      if (st->network_error)
        return st->network_error;
      return network_info{st->vifs};
    },
    [st](release_network& x) { st->releases.push_back(x); },
    [self, st](get_group_hosts& x) -> caf::result<group_hosts> {
      st->group_asks.push_back(x);
      auto rp = self->make_response_promise<group_hosts>();
      if (st->hold_groups)
        return rp;
      group_hosts out;
      for (auto& id : x.group.members)
        if (auto p = st->placed.find(id);
            id != x.instance_id && p != st->placed.end())
          out.members[p->second].push_back(id);
      rp.deliver(std::move(out));
      return rp;
    },
    [st](caf::ok_atom) {
      auto held = std::move(st->held);
      st->held.clear();
      for (auto& deliver : held)
        deliver();
    },
  };
}

const flavor tiny{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
const std::string cirros_id = "img";

instance row(std::string id, vm_state vm) {
  instance r;
  r.id = std::move(id);
  r.flavor_ = tiny;
  r.image_id = cirros_id;
  r.vm = vm;
  r.task = task_state::none;
  r.power = power_state::running;
  r.host = "h";
  return r;
}

template <class Handle>
caf::resumable* job_of(const Handle& h) {
  auto ptr = caf::actor_cast<caf::abstract_actor*>(h);
  return dynamic_cast<caf::resumable*>(ptr);
}

// Actors of kind `name` (a stateful actor's state name).
bool named(caf::resumable* r, const char* name) {
  auto a = dynamic_cast<caf::local_actor*>(r);
  return a != nullptr && std::strcmp(a->name(), name) == 0;
}

struct fixture : test::actor_fixture {
  test::temp_dir tmp;
  std::shared_ptr<test::fake_image_service> images
    = std::make_shared<test::fake_image_service>();
  image cirros;
  stub_ptr store = std::make_shared<stub_state>();
  stub_ptr scheduler = std::make_shared<stub_state>();
  stub_ptr conductor = std::make_shared<stub_state>();
  stub_ptr supervisor = std::make_shared<stub_state>();
  std::vector<caf::actor> stubs;
  fake_driver_options opts;
  std::shared_ptr<recording_driver> drv;
  compute_config cfg;
  compute_actor cm;

  fixture() {
    for (auto& st : {store, scheduler, conductor, supervisor})
      stubs.push_back(sys.spawn(stub, st));
    cfg.host.name = "h";
    cfg.host.capacity = {4, 2048, 40};
    cfg.host.ratios = {1.0, 1.0, 1.0};
    cfg.max_concurrent_builds = 2;
    // No heartbeat within the simulated minutes of a test.
    cfg.report_interval_s = 3600;
    auto raw = make_image(cirros_id, "cirros");
    raw.disk_format = "raw";
    cirros = images->add(raw, "cirros raw disk");
    cfg.image_service = images;
    cfg.instances_path = tmp.path.string();
    cfg.store = caf::actor_cast<store_actor>(stubs[0]);
    cfg.scheduler = caf::actor_cast<scheduler_actor>(stubs[1]);
    cfg.conductor = caf::actor_cast<conductor_actor>(stubs[2]);
    cfg.supervisor = caf::actor_cast<supervisor_actor>(stubs[3]);
    cfg.metrics = compute_metrics::of(std::make_shared<metrics::registry>(),
                                      "h");
    cfg.detach_workers = false;
  }

  ~fixture() {
    // The compute manager and its workers hold each other, and a held
    // answer holds its stand-in.
    store->held.clear();
    if (cm)
      self->send_exit(cm, caf::exit_reason::user_shutdown);
    for (auto& s : stubs)
      self->send_exit(s, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // A build as the conductor sends it: with the image record the API
  // checked.
  build_and_run job(std::string id, flavor f = tiny) const {
    build_and_run b;
    b.req.instance_id = std::move(id);
    b.req.db_id = 42;
    b.req.instance_name = "vm";
    b.req.project_id = "p";
    b.req.flavor_ = std::move(f);
    b.req.image_id = cirros.id;
    b.req.image_ = cirros;
    b.req.auth = image_auth{"token", "u", "p", false};
    b.req.request_id = "req-1";
    b.host = "h";
    b.attempt = 1;
    b.availability_zone = "az1";
    return b;
  }

  // A spawn on a base file of its own, made behind the compute manager's
  // back (an instance a previous process built).
  spawn_spec on_base(std::string id) const {
    auto file = tmp.path / "some-base";
    std::ofstream{file} << "base";
    spawn_spec spec;
    spec.instance_id = std::move(id);
    spec.base_file = file.string();
    return spec;
  }

  std::string base_path() const {
    return (tmp.path / "_base" / base_file_name(cirros.id)).string();
  }

  // Spawns the compute manager and lets it read its instances (init_host).
  void start() {
    drv = std::make_shared<recording_driver>("h", opts);
    cfg.drv = drv;
    cm = spawn_compute_manager(self.ptr(), cfg);
    sched.run();
  }

  // Its registration, as the scheduler and the store get it.
  host_report registered() {
    CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
    auto r = test::next_in<host_report>(*store);
    auto s = test::next_in<host_report>(*scheduler);
    CAF_CHECK_EQUAL(r.held_ids, s.held_ids);
    return s;
  }

  // Runs everything but the driver workers (the compute manager, its
  // image cache and the cache's workers, the stand-ins): their calls stay
  // pending.
  void run_without_workers() {
    sched.run_jobs_filtered(
      [&](caf::resumable* r) { return !named(r, "driver_worker"); });
  }

  // Runs neither the driver workers nor the image cache's: downloads stay
  // pending too.
  void run_without_any_workers() {
    sched.run_jobs_filtered([&](caf::resumable* r) {
      return !named(r, "driver_worker") && !named(r, "image_cache_worker");
    });
  }

  host_usage usage() {
    self->send(cm, get_host_usage{});
    run_without_workers();
    host_usage out;
    self->receive([&](host_usage& u) { out = std::move(u); },
                  caf::after(0s) >> [] { CAF_FAIL("no host usage"); });
    return out;
  }

  // The store updates of a build that reached its spawn; `queued`: a build
  // sent right after it, whose claim lands while this one waits for its
  // interfaces.
  void check_build_started(const std::string& id,
                           const std::string& queued = {}) {
    auto u = test::next_in<instance_update>(*store);
    CAF_CHECK_EQUAL(u.id, id);
    CAF_CHECK(u.vm == vm_state::building);
    CAF_CHECK(u.task == task_state::none);
    CAF_CHECK(u.expected.contains(task_state::scheduling));
    CAF_CHECK(u.set_host);
    CAF_CHECK_EQUAL(u.host, "h");
    // The host's zone as the scheduler gave it becomes the instance's.
    CAF_CHECK(u.set_zone);
    CAF_CHECK_EQUAL(u.zone, "az1");
    check_build_steps(id, queued);
  }

  void check_build_steps(const std::string& id,
                         const std::string& queued = {}) {
    auto before = task_state::none;
    for (auto step : {task_state::networking, task_state::block_device_mapping,
                      task_state::spawning}) {
      if (step == task_state::block_device_mapping && !queued.empty()) {
        auto claim = test::next_in<instance_update>(*store);
        CAF_CHECK_EQUAL(claim.id, queued);
        CAF_CHECK(claim.task == task_state::none);
      }
      auto u = test::next_in<instance_update>(*store);
      CAF_CHECK_EQUAL(u.id, id);
      CAF_CHECK(u.vm == vm_state::building);
      CAF_CHECK(u.task == step);
      CAF_CHECK(u.expected.contains(before));
      CAF_CHECK(!u.expected.contains(task_state::deleting));
      before = step;
    }
  }

  // The end of a build on this host: its event, then the conductor's result.
  build_result check_build_ended(const std::string& id, bool ok) {
    auto ev = test::next_in<record_action>(*store);
    CAF_CHECK_EQUAL(ev.instance_id, id);
    CAF_CHECK(ev.is_event);
    CAF_CHECK_EQUAL(ev.event.name, "compute__do_build_and_run_instance");
    CAF_CHECK_EQUAL(ev.event.result, ok ? "Success" : "Error");
    auto res = test::next_in<build_result>(*conductor);
    CAF_CHECK_EQUAL(res.instance_id, id);
    CAF_CHECK_EQUAL(res.host, "h");
    CAF_CHECK_EQUAL(res.attempt, 1u);
    CAF_CHECK_EQUAL(res.ok, ok);
    return res;
  }

  void check_active(const std::string& id) {
    auto u = test::next_in<instance_update>(*store);
    CAF_CHECK_EQUAL(u.id, id);
    CAF_CHECK(u.vm == vm_state::active);
    CAF_CHECK(u.task == task_state::none);
    CAF_CHECK(u.expected.contains(task_state::spawning));
    CAF_CHECK(u.set_power);
    CAF_CHECK(u.power == power_state::running);
    CAF_CHECK(u.set_launched);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(compute_manager_tests, fixture)

CAF_TEST(init_host accounts for the instances on the host and registers) {
  store->rows = {row("on", vm_state::active), row("b", vm_state::building),
                 row("e", vm_state::error), row("off", vm_state::stopped)};
  store->rows.back().host = "elsewhere";
  start();
  auto r = registered();
  CAF_CHECK_EQUAL(r.host, "h");
  CAF_CHECK(r.capacity == cfg.host.capacity);
  CAF_CHECK(r.held_ids == std::vector<std::string>{"on"});
  CAF_CHECK(r.held == std::vector<resources>{tiny.claim()});
  CAF_CHECK_EQUAL(r.hypervisor_type, "fake");
  CAF_CHECK(r.hypervisor_down.empty());
  auto u = usage();
  CAF_CHECK(u.used == tiny.claim());
  CAF_CHECK_EQUAL(u.instances, 1);
}

CAF_TEST(a store that does not list the instances in time is asked again then
           the host registers without them) {
  store->rows = {row("on", vm_state::active)};
  store->hold_reads = true;
  start();
  CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
  for (int attempt = 2; attempt <= 3; ++attempt) {
    advance_time(30s);
    sched.run();
    CAF_CHECK(scheduler->inbox.empty());
    CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
  }
  // A build waits for init_host meanwhile.
  caf::anon_send(cm, job("i-1"));
  sched.run();
  CAF_CHECK(store->inbox.empty());
  advance_time(30s);
  sched.run();
  auto r = test::next_in<host_report>(*scheduler);
  CAF_CHECK(r.held_ids.empty());
  test::next_in<host_report>(*store);
  check_build_started("i-1");
}

CAF_TEST(a build goes through its states to its spawn and becomes active) {
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  run_without_workers();
  check_build_started("i-1");
  CAF_CHECK(store->inbox.empty());
  auto u = usage();
  CAF_CHECK_EQUAL(u.running_builds, 1);
  CAF_CHECK_EQUAL(u.workers, 1);
  CAF_CHECK(u.used == tiny.claim());
  CAF_CHECK(drv->specs.empty());
  sched.run(); // the worker's spawn
  CAF_REQUIRE_EQUAL(drv->specs.size(), 1u);
  auto& spec = drv->specs[0];
  CAF_CHECK_EQUAL(spec.instance_id, "i-1");
  CAF_CHECK_EQUAL(spec.instance_name, "instance-0000002a");
  CAF_CHECK_EQUAL(spec.flavor_.name, tiny.name);
  CAF_CHECK_EQUAL(spec.image_.id, cirros.id);
  CAF_CHECK_EQUAL(spec.image_.os_hash_value, cirros.os_hash_value);
  CAF_CHECK_EQUAL(spec.display_name, "vm");
  CAF_CHECK_EQUAL(spec.project_id, "p");
  // Its disk is made on the image's base file in this host's cache.
  CAF_CHECK_EQUAL(spec.base_file, base_path());
  CAF_CHECK_EQUAL(spec.base_format, "raw");
  CAF_CHECK_EQUAL(drv->base_file("i-1"), base_path());
  CAF_CHECK(std::filesystem::exists(base_path()));
  CAF_CHECK_EQUAL(images->downloads(cirros.id), 1);
  CAF_CHECK_EQUAL(images->calls("show"), 0); // the build carried its record
  CAF_CHECK(check_build_ended("i-1", true).reason.empty());
  check_active("i-1");
  u = usage();
  CAF_CHECK_EQUAL(u.running_builds, 0);
  CAF_CHECK(u.used == tiny.claim());
}

CAF_TEST(a claim the host cannot hold is refused as retryable) {
  start();
  registered();
  auto big = tiny;
  big.ram_mb = 4096;
  caf::anon_send(cm, job("i-1", big));
  sched.run();
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Insufficient compute resources: Free memory "
                              "2048.00 MB < requested 4096 MB.");
  CAF_CHECK(store->inbox.empty()); // the row was never the host's
  CAF_CHECK(drv->specs.empty());
  CAF_CHECK(usage().used == resources{});
}

CAF_TEST(an image the host does not know aborts the build) {
  start();
  registered();
  auto b = job("i-1");
  b.req.image_id = "gone";
  b.req.image_ = image{}; // resumed after a restart: the host asks
  caf::anon_send(cm, b);
  sched.run();
  check_build_started("i-1");
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(!res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-1 aborted: Image gone "
                              "could not be found.");
  CAF_CHECK(usage().used == resources{});
}

CAF_TEST(builds beyond max_concurrent_builds wait for a slot) {
  cfg.max_concurrent_builds = 1;
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  caf::anon_send(cm, job("i-2"));
  run_without_workers();
  check_build_started("i-1", "i-2"); // i-2 is the host's, queued
  CAF_CHECK(store->inbox.empty());
  auto use = usage();
  CAF_CHECK_EQUAL(use.running_builds, 1);
  CAF_CHECK_EQUAL(use.queued_builds, 1);
  CAF_CHECK(use.used == resources{2, 1024, 2});
  sched.run();
  check_build_ended("i-1", true);
  check_active("i-1");
  check_build_steps("i-2");
  check_build_ended("i-2", true);
  check_active("i-2");
  CAF_CHECK_EQUAL(drv->specs.size(), 2u);
}

CAF_TEST(a build terminated while queued never starts and frees its claim) {
  cfg.max_concurrent_builds = 1;
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  caf::anon_send(cm, job("i-2"));
  run_without_workers();
  check_build_started("i-1", "i-2");
  caf::anon_send(cm, terminate_instance{"i-2"});
  run_without_workers();
  auto t = test::next_in<instance_terminated>(*conductor);
  CAF_CHECK_EQUAL(t.instance_id, "i-2");
  CAF_CHECK_EQUAL(t.host, "h");
  auto use = usage();
  CAF_CHECK_EQUAL(use.queued_builds, 0);
  CAF_CHECK(use.used == tiny.claim());
  sched.run();
  CAF_REQUIRE_EQUAL(drv->specs.size(), 1u);
  CAF_CHECK_EQUAL(drv->specs[0].instance_id, "i-1");
  check_build_ended("i-1", true);
  check_active("i-1");
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(conductor->inbox.empty());
}

CAF_TEST(a driver worker that dies fails its build as retryable and is
           reported to the supervisor) {
  opts.throw_on_nth_call = 1;
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  auto why = "fake driver: injected exception in spawn (call 1 on h)";
  auto r = test::next_in<actor_restarted>(*supervisor);
  CAF_CHECK_EQUAL(r.kind, "driver_worker");
  CAF_CHECK_EQUAL(r.host, "h");
  CAF_CHECK_EQUAL(r.reason, why);
  check_build_started("i-1");
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, std::string{"Driver worker crashed: "} + why);
  auto use = usage();
  CAF_CHECK(use.used == resources{});
  CAF_CHECK_EQUAL(use.running_builds, 0);
  // The next build gets a new worker.
  caf::anon_send(cm, job("i-2"));
  sched.run();
  check_build_started("i-2");
  check_build_ended("i-2", true);
  check_active("i-2");
}

CAF_TEST(a guest that stopped by itself makes its instance SHUTOFF) {
  store->rows = {row("on", vm_state::active)};
  start();
  registered();
  CAF_REQUIRE(drv->spawn(on_base("on")).ok);
  CAF_REQUIRE(drv->power_off("on").ok);
  caf::anon_send(cm, hypervisor_event{hypervisor_event_kind::lifecycle, "on",
                                      {}});
  sched.run();
  CAF_CHECK_EQUAL(test::next_in<get_instance>(*store).id, "on");
  auto u = test::next_in<instance_update>(*store);
  CAF_CHECK_EQUAL(u.id, "on");
  CAF_CHECK(u.set_vm);
  CAF_CHECK(u.vm == vm_state::stopped);
  CAF_CHECK(u.task == task_state::none);
  CAF_CHECK(u.expected.contains(task_state::none));
  CAF_CHECK(u.set_power);
  CAF_CHECK(u.power == power_state::shutdown);
}

CAF_TEST(a power sync the store does not answer in time is given up) {
  store->rows = {row("on", vm_state::active)};
  start();
  registered();
  CAF_REQUIRE(drv->spawn(on_base("on")).ok);
  CAF_REQUIRE(drv->power_off("on").ok);
  store->hold_reads = true;
  caf::anon_send(cm, hypervisor_event{hypervisor_event_kind::lifecycle, "on",
                                      {}});
  sched.run();
  CAF_CHECK_EQUAL(test::next_in<get_instance>(*store).id, "on");
  advance_time(30s);
  sched.run();
  // The answer comes too late: the compute manager no longer waits for it.
  CAF_REQUIRE_EQUAL(store->held.size(), 1u);
  store->hold_reads = false;
  caf::anon_send(stubs[0], caf::ok_atom::value);
  sched.run();
  CAF_CHECK(store->inbox.empty());
  // And it still serves.
  caf::anon_send(cm, job("i-1"));
  sched.run();
  check_build_started("i-1");
}

CAF_TEST(a lost hypervisor sends queued builds elsewhere and the host
           reports it) {
  cfg.max_concurrent_builds = 1;
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  caf::anon_send(cm, job("i-2"));
  run_without_workers();
  check_build_started("i-1", "i-2");
  caf::anon_send(cm, hypervisor_event{hypervisor_event_kind::disconnected, {},
                                      "EOF"});
  run_without_workers();
  auto res = check_build_ended("i-2", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Connection to the hypervisor lost: EOF");
  auto r = test::next_in<host_report>(*scheduler);
  CAF_CHECK_EQUAL(r.hypervisor_down, "EOF");
  test::next_in<host_report>(*store);
  caf::anon_send(cm, job("i-3"));
  run_without_workers();
  res = check_build_ended("i-3", false);
  CAF_CHECK(res.retryable);
}

CAF_TEST(a build resumed without its image record shows it first) {
  start();
  registered();
  auto b = job("i-1");
  b.req.image_ = image{};
  b.req.auth = image_auth{};
  caf::anon_send(cm, b);
  sched.run();
  check_build_started("i-1");
  check_build_ended("i-1", true);
  check_active("i-1");
  CAF_CHECK_EQUAL(images->calls("show"), 1);
  CAF_REQUIRE_EQUAL(drv->specs.size(), 1u);
  CAF_CHECK_EQUAL(drv->specs[0].image_.id, cirros.id);
  CAF_CHECK_EQUAL(drv->specs[0].image_.os_hash_value, cirros.os_hash_value);
  CAF_CHECK_EQUAL(drv->specs[0].base_file, base_path());
}

CAF_TEST(an image the cache cannot download is a retryable build failure) {
  images->fail_downloads(images::image_errc::checksum_mismatch);
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  check_build_started("i-1");
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-1 was re-scheduled: Image "
                              "img could not be downloaded: Corrupt image "
                              "download.");
  CAF_CHECK(drv->specs.empty());
  auto use = usage();
  CAF_CHECK(use.used == resources{});
  CAF_CHECK_EQUAL(use.running_builds, 0);
  CAF_CHECK(!std::filesystem::exists(base_path()));
  // The next build downloads again.
  caf::anon_send(cm, job("i-2"));
  sched.run();
  check_build_started("i-2");
  check_build_ended("i-2", true);
  check_active("i-2");
  CAF_CHECK_EQUAL(images->downloads(cirros.id), 2);
}

CAF_TEST(builds of one image on a host share one download) {
  cfg.max_concurrent_builds = 5;
  cfg.host.capacity = {10, 4096, 40};
  start();
  registered();
  for (auto id : {"i-1", "i-2", "i-3", "i-4", "i-5"})
    caf::anon_send(cm, job(id));
  sched.run();
  CAF_CHECK_EQUAL(images->downloads(cirros.id), 1);
  CAF_REQUIRE_EQUAL(drv->specs.size(), 5u);
  for (auto& spec : drv->specs)
    CAF_CHECK_EQUAL(spec.base_file, base_path());
}

CAF_TEST(a build deleted while it waits for its base never spawns) {
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  run_without_any_workers(); // its download is pending
  check_build_started("i-1");
  caf::anon_send(cm, terminate_instance{"i-1"});
  run_without_any_workers();
  sched.run(); // the destroy, then the download
  auto t = test::next_in<instance_terminated>(*conductor);
  CAF_CHECK_EQUAL(t.instance_id, "i-1");
  CAF_CHECK(drv->specs.empty());
  CAF_CHECK(conductor->inbox.empty()); // no build result
  auto use = usage();
  CAF_CHECK(use.used == resources{});
  CAF_CHECK_EQUAL(use.running_builds, 0);
  // The download it started still filled the cache.
  CAF_CHECK(std::filesystem::exists(base_path()));
}

CAF_TEST(the image cache manager keeps the bases of instances on the host) {
  cfg.image_cache.manager_interval_s = 60;
  cfg.image_cache.remove_unused_original_minimum_age_seconds = 0;
  store->rows = {row("on", vm_state::active)};
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  check_build_started("i-1");
  check_build_ended("i-1", true);
  check_active("i-1");
  auto other = images->add(
    [] {
      auto i = make_image("other", "other");
      i.disk_format = "raw";
      return i;
    }(),
    "other raw disk");
  auto b = job("i-2");
  b.req.image_id = other.id;
  b.req.image_ = other;
  caf::anon_send(cm, b);
  sched.run();
  check_build_started("i-2");
  check_build_ended("i-2", true);
  check_active("i-2");
  auto other_base = tmp.path / "_base" / base_file_name(other.id);
  CAF_REQUIRE(std::filesystem::exists(other_base));
  // The store knows "on" (of cirros) on this host; i-2 was deleted
  // meanwhile: its image is unused.
  advance_time(60s);
  sched.run();
  CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
  CAF_CHECK(std::filesystem::exists(base_path()));
  CAF_CHECK(!std::filesystem::exists(other_base));
}

CAF_TEST(a console read is answered once a driver worker read the log) {
  start();
  registered();
  CAF_REQUIRE(drv->spawn(on_base("a")).ok);
  std::string log;
  CAF_REQUIRE(drv->console_output("a", log).ok);
  self->send(cm, get_console_output{"a", "h", 2});
  run_without_workers();
  CAF_CHECK(!answered()); // the read is a driver call, off the manager
  sched.run();
  CAF_CHECK_EQUAL(answer<console_text>().output, console_tail(log, 2));
  self->send(cm, get_console_output{"nope", "h", -1});
  sched.run();
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::instance_not_found);
}

namespace {

build_and_run grouped(build_and_run b, std::string policy,
                      std::vector<std::string> members) {
  b.req.group = {"g", std::move(policy), 0, std::move(members), {}};
  return b;
}

} // namespace

CAF_TEST(of two anti-affinity members racing to one host the second checked
           is rescheduled) {
  // Both were placed here (as two schedulers racing would, or with the
  // group filters off): the scheduler's claims say so for both.
  scheduler->placed = {{"i-1", "h"}, {"i-2", "h"}};
  start();
  registered();
  caf::anon_send(cm, grouped(job("i-1"), "anti-affinity", {"i-1", "i-2"}));
  caf::anon_send(cm, grouped(job("i-2"), "anti-affinity", {"i-1", "i-2"}));
  sched.run();
  CAF_REQUIRE_EQUAL(scheduler->group_asks.size(), 2u);
  CAF_CHECK_EQUAL(scheduler->group_asks[0].instance_id, "i-1");
  CAF_CHECK_EQUAL(scheduler->group_asks[0].group.policy, "anti-affinity");
  // i-1 was checked while i-2 had not passed yet: it stays; i-2 then saw
  // i-1 here.
  CAF_CHECK_EQUAL(drv->specs.size(), 1u);
  CAF_CHECK_EQUAL(drv->specs.front().instance_id, "i-1");
  auto& results = conductor->inbox;
  auto rescheduled = std::find_if(results.begin(), results.end(),
                                  [](caf::message& m) {
                                    return m.match_elements<build_result>()
                                           && !m.get_as<build_result>(0).ok;
                                  });
  CAF_REQUIRE(rescheduled != results.end());
  auto res = rescheduled->get_as<build_result>(0);
  CAF_CHECK_EQUAL(res.instance_id, "i-2");
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-2 was re-scheduled: "
                              "Anti-affinity instance group policy was "
                              "violated.");
  // It never asked for interfaces; its claim is given back.
  CAF_CHECK_EQUAL(store->allocations.size(), 1u);
  CAF_CHECK(usage().used == tiny.claim());
}

CAF_TEST(an affinity member placed away from the others is rescheduled) {
  scheduler->placed = {{"i-0", "elsewhere"}, {"i-1", "h"}};
  start();
  registered();
  caf::anon_send(cm, grouped(job("i-1"), "affinity", {"i-0", "i-1"}));
  sched.run();
  test::next_in<instance_update>(*store); // the claim's
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-1 was re-scheduled: "
                              "Affinity instance group policy was violated.");
  CAF_CHECK(drv->specs.empty());
}

CAF_TEST(soft policies and a scheduler that does not answer) {
  scheduler->placed = {{"i-0", "h"}};
  start();
  registered();
  // Soft policies are the weighers' alone: no check.
  caf::anon_send(cm, grouped(job("i-1"), "soft-anti-affinity", {"i-0", "i-1"}));
  run_without_workers();
  CAF_CHECK(scheduler->group_asks.empty());
  CAF_CHECK_EQUAL(store->allocations.size(), 1u);
  // No answer within 30 s is a retryable failure.
  scheduler->hold_groups = true;
  caf::anon_send(cm, grouped(job("i-2"), "anti-affinity", {"i-2"}));
  run_without_workers();
  CAF_CHECK_EQUAL(scheduler->group_asks.size(), 1u);
  advance_time(30s);
  run_without_workers();
  auto& results = conductor->inbox;
  CAF_REQUIRE(!results.empty());
  auto res = results.back().get_as<build_result>(0);
  CAF_CHECK_EQUAL(res.instance_id, "i-2");
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-2 was re-scheduled: the "
                              "scheduler did not tell the server group's "
                              "hosts within 30 s");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(compute_manager_network_tests, fixture)

CAF_TEST(networking allocates the interfaces before the spawn plugs them) {
  network net{"n-1", "private", "10.42.0.0/24", "10.42.0.1", {"10.42.0.1"},
              "vmf-private"};
  store->vifs = {vif{"port-1", net, "fa:16:3e:00:00:02", "10.42.0.2"}};
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  run_without_workers();
  check_build_started("i-1");
  CAF_REQUIRE_EQUAL(store->allocations.size(), 1u);
  CAF_CHECK_EQUAL(store->allocations[0].instance_id, "i-1");
  CAF_CHECK_EQUAL(store->allocations[0].host, "h");
  CAF_CHECK(drv->specs.empty());
  sched.run();
  CAF_REQUIRE_EQUAL(drv->specs.size(), 1u);
  auto& spec = drv->specs[0];
  CAF_REQUIRE_EQUAL(spec.vifs.size(), 1u);
  CAF_CHECK_EQUAL(spec.vifs[0].id, "port-1");
  CAF_CHECK_EQUAL(spec.vifs[0].address, "10.42.0.2");
  CAF_CHECK_EQUAL(spec.vifs[0].net.bridge, "vmf-private");
  check_build_ended("i-1", true);
  check_active("i-1");
  CAF_CHECK(store->releases.empty());
}

CAF_TEST(a failed spawn releases its interfaces before the reschedule) {
  opts.fail_on_hosts = {"h"};
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  check_build_started("i-1");
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_REQUIRE_EQUAL(store->releases.size(), 1u);
  CAF_CHECK_EQUAL(store->releases[0].instance_id, "i-1");
  CAF_CHECK_EQUAL(store->releases[0].host, "h");
  CAF_CHECK(usage().used == resources{});
}

CAF_TEST(no fixed ip left aborts the build with NoMoreFixedIps) {
  store->network_error = nova_error(errc::no_more_fixed_ips, "n-1");
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  auto u = test::next_in<instance_update>(*store);
  CAF_CHECK(u.task == task_state::none); // the claim's
  u = test::next_in<instance_update>(*store);
  CAF_CHECK(u.task == task_state::networking);
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(!res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-1 aborted: No fixed IP "
                              "addresses available for network: n-1");
  CAF_CHECK(drv->specs.empty());
  CAF_CHECK(usage().used == resources{});
}

CAF_TEST(a store that does not allocate in time is a retryable failure) {
  store->hold_network = true;
  start();
  registered();
  caf::anon_send(cm, job("i-1"));
  sched.run();
  test::next_in<instance_update>(*store);
  CAF_CHECK(test::next_in<instance_update>(*store).task
            == task_state::networking);
  CAF_CHECK(store->inbox.empty());
  advance_time(30s);
  sched.run();
  auto res = check_build_ended("i-1", false);
  CAF_CHECK(res.retryable);
  CAF_CHECK_EQUAL(res.reason, "Build of instance i-1 was re-scheduled: the "
                              "store did not allocate its network within "
                              "30 s");
  // What the store may still have allocated is given back.
  CAF_CHECK_EQUAL(store->releases.size(), 1u);
  CAF_CHECK(drv->specs.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
