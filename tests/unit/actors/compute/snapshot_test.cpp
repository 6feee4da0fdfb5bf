#define CAF_SUITE compute_snapshot
#include "tests/support/actor_fixture.hpp"

#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <caf/all.hpp>

#include "actors/compute/compute_manager.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "messages/errors.hpp"
#include "tests/support/fake_image_service.hpp"
#include "tests/support/metric_sample.hpp"
#include "tests/support/temp_dir.hpp"

// The host's part of createImage, shelve, shelveOffload and unshelve:
// the task states in Nova's order, the disk flattened by the driver, the
// upload through the image service, the claim freed by an offload.
using namespace vmforge;
using namespace std::chrono_literals;

namespace {

const std::string snapshot_bytes = "QFI\xfb a flattened disk";

// The fake hypervisor whose snapshots are a few known bytes (no qemu-img
// in a unit test), or fail on demand.
class snapshot_driver : public fake_driver {
public:
  using fake_driver::fake_driver;

  driver_status snapshot(const std::string& id,
                         const std::string& out_file) override {
    snapshots.push_back(id);
    if (fail)
      return driver_status::failure("qemu-img: disk unreadable", false);
    std::filesystem::create_directories(
      std::filesystem::path{out_file}.parent_path());
    std::ofstream{out_file, std::ios::binary} << snapshot_bytes;
    return driver_status::success();
  }

  driver_status spawn(const spawn_spec& spec) override {
    specs.push_back(spec);
    return fake_driver::spawn(spec);
  }

  bool fail = false;
  std::vector<std::string> snapshots;
  std::vector<spawn_spec> specs;
};

// An image service whose uploads fail.
class failing_uploads : public test::fake_image_service {
public:
  void upload(const image_auth&, const std::string&, int, int64_t) override {
    throw images::image_error(images::image_errc::connection_failed, "upload",
                              "Connection to glance failed");
  }
};

// The controller's actors as the compute manager sees them: what they
// got, oldest first. As the store it answers reads from `rows` and
// begin_task as its guard says (on `rows`).
struct peer_state {
  std::deque<caf::message> inbox;
  std::vector<instance> rows;
  // The interfaces the rows hold, as the store's allocate_network answers.
  std::vector<vif> vifs;
};

using peer_ptr = std::shared_ptr<peer_state>;

caf::behavior peer(caf::event_based_actor*, peer_ptr st) {
  auto keep = [st](auto& x) { st->inbox.push_back(caf::make_message(x)); };
  return {
    [keep](instance_update& x) { keep(x); },
    [keep](record_action& x) { keep(x); },
    [keep](host_report& x) { keep(x); },
    [keep](build_result& x) { keep(x); },
    [keep](release_claim& x) { keep(x); },
    [keep](instance_terminated& x) { keep(x); },
    [keep](actor_restarted& x) { keep(x); },
    [st, keep](list_instances& x) {
      keep(x);
      instance_list out;
      for (auto& row : st->rows)
        if (row.host == x.host)
          out.items.push_back(row);
      return out;
    },
    [st](allocate_network&) { return network_info{st->vifs}; },
    [st, keep](begin_task& x) -> caf::result<task_begun> {
      keep(x);
      for (auto& row : st->rows)
        if (row.id == x.id) {
          auto ok = x.vm.contains(row.vm) && x.expected.contains(row.task);
          if (ok)
            row.task = x.task;
          return task_begun{ok, row};
        }
      return nova_error(errc::instance_not_found, x.id);
    },
  };
}

const flavor tiny{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
const image cirros = make_image("img", "cirros", "/images/cirros.qcow2");

instance row(std::string id, vm_state vm, power_state power) {
  instance r;
  r.id = std::move(id);
  r.db_id = 7;
  r.project_id = "p";
  r.flavor_ = tiny;
  r.image_id = cirros.id;
  r.vm = vm;
  r.task = task_state::none;
  r.power = power;
  r.host = "h";
  return r;
}

struct fixture : test::actor_fixture {
  peer_ptr store = std::make_shared<peer_state>();
  peer_ptr scheduler = std::make_shared<peer_state>();
  peer_ptr conductor = std::make_shared<peer_state>();
  peer_ptr supervisor = std::make_shared<peer_state>();
  std::vector<caf::actor> peers;
  test::temp_dir dir;
  std::shared_ptr<test::fake_image_service> svc
    = std::make_shared<test::fake_image_service>();
  std::shared_ptr<snapshot_driver> drv;
  metrics::registry_ptr reg = std::make_shared<metrics::registry>();
  compute_config cfg;
  compute_actor cm;
  image_auth auth{"tok", "u", "p", false};

  fixture() {
    for (auto& st : {store, scheduler, conductor, supervisor})
      peers.push_back(sys.spawn(peer, st));
    cfg.host.name = "h";
    cfg.host.capacity = {4, 2048, 40};
    cfg.host.ratios = {1.0, 1.0, 1.0};
    cfg.report_interval_s = 3600;
    cfg.instances_path = dir.path.string();
    cfg.store = caf::actor_cast<store_actor>(peers[0]);
    cfg.scheduler = caf::actor_cast<scheduler_actor>(peers[1]);
    cfg.conductor = caf::actor_cast<conductor_actor>(peers[2]);
    cfg.supervisor = caf::actor_cast<supervisor_actor>(peers[3]);
    cfg.metrics = compute_metrics::of(reg, "h");
    cfg.snapshot_dir = (dir.path / "snapshots").string();
    cfg.detach_workers = false;
  }

  ~fixture() {
    if (cm)
      self->send_exit(cm, caf::exit_reason::user_shutdown);
    for (auto& p : peers)
      self->send_exit(p, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // The compute manager with the store's rows (init_host adopts them),
  // their domains running on the fake hypervisor.
  void start() {
    drv = std::make_shared<snapshot_driver>("h", fake_driver_options{});
    for (auto& r : store->rows)
      if (r.host == "h" && r.vm != vm_state::shelved_offloaded) {
        spawn_spec spec;
        spec.instance_id = r.id;
        spec.base_file = (dir.path / "base").string();
        spec.base_format = "raw";
        std::ofstream{spec.base_file} << "a base";
        CAF_REQUIRE(drv->fake_driver::spawn(spec).ok);
        if (r.power == power_state::shutdown)
          drv->power_off(r.id);
      }
    cfg.drv = drv;
    cfg.image_service = svc;
    cm = spawn_compute_manager(self.ptr(), cfg);
    sched.run();
    CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
    test::next_in<host_report>(*store);
    test::next_in<host_report>(*scheduler);
  }

  instance& stored(const std::string& id) {
    for (auto& r : store->rows)
      if (r.id == id)
        return r;
    CAF_FAIL("no row " << id);
    return store->rows.front();
  }

  // A queued image, as the API makes it first.
  std::string queued_image(const std::string& name = "snap") {
    images::image_create req;
    req.name = name;
    return svc->create(auth, req).id;
  }

  instance_operation op(instance_op kind, const std::string& image_id = {}) {
    instance_operation o;
    o.instance_id = "i-1";
    o.host = "h";
    o.op = kind;
    o.image_id = image_id;
    o.project_id = "p";
    o.base_image_ref = cirros.id;
    o.auth = auth;
    o.request_id = "req-9";
    return o;
  }

  host_usage usage() {
    self->send(cm, get_host_usage{});
    sched.run();
    host_usage out;
    self->receive([&](host_usage& u) { out = std::move(u); },
                  caf::after(0s) >> [] { CAF_FAIL("no host usage"); });
    return out;
  }

  // The next store update, which must move the task `from` -> `to` and
  // keep the vm_state.
  instance_update check_task(task_state to, task_state from) {
    auto u = test::next_in<instance_update>(*store);
    CAF_CHECK_EQUAL(u.id, "i-1");
    CAF_CHECK(!u.set_vm);
    CAF_CHECK_EQUAL(to_string(u.task), to_string(to));
    CAF_CHECK(u.expected.contains(from));
    CAF_CHECK(!u.expected.contains(task_state::deleting));
    return u;
  }

  record_action check_event(const std::string& name, bool ok) {
    auto ev = test::next_in<record_action>(*store);
    CAF_CHECK(ev.is_event);
    CAF_CHECK_EQUAL(ev.instance_id, "i-1");
    CAF_CHECK_EQUAL(ev.action.request_id, "req-9");
    CAF_CHECK_EQUAL(ev.event.name, name);
    CAF_CHECK_EQUAL(ev.event.result, ok ? "Success" : "Error");
    CAF_CHECK_EQUAL(ev.event.host, "h");
    return ev;
  }

  // Whether the image service no longer has the image.
  bool gone(const std::string& image_id) {
    try {
      svc->show(auth, image_id);
      return false;
    } catch (const images::image_error& e) {
      return e.code() == images::image_errc::not_found;
    }
  }

  double counter(const std::string& name, const test::metric_labels& l = {}) {
    return test::sample(*reg, name, l);
  }

  bool snapshot_files_left() const {
    std::error_code ec;
    return std::filesystem::exists(cfg.snapshot_dir, ec)
           && !std::filesystem::is_empty(cfg.snapshot_dir, ec);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(compute_snapshot_tests, fixture)

CAF_TEST(a snapshot moves the task in the order of Nova and uploads the
           flattened disk) {
  store->rows = {row("i-1", vm_state::active, power_state::running)};
  store->rows[0].task = task_state::image_snapshot_pending;
  start();
  auto image_id = queued_image();
  caf::anon_send(cm, op(instance_op::snapshot, image_id));
  sched.run();
  auto begun = test::next_in<begin_task>(*store);
  CAF_CHECK_EQUAL(begun.id, "i-1");
  CAF_CHECK(begun.expected.contains(task_state::image_snapshot_pending));
  CAF_CHECK(!begun.expected.contains(task_state::none));
  CAF_CHECK(begun.task == task_state::image_snapshot);
  check_task(task_state::image_pending_upload, task_state::image_snapshot);
  check_task(task_state::image_uploading, task_state::image_pending_upload);
  check_event("compute_snapshot_instance", true);
  check_task(task_state::none, task_state::image_uploading);
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(drv->snapshots == std::vector<std::string>{"i-1"});
  // The driver's properties and formats, then the data.
  auto img = svc->show(auth, image_id);
  CAF_CHECK_EQUAL(img.status, "active");
  CAF_CHECK_EQUAL(img.disk_format, "qcow2");
  CAF_CHECK_EQUAL(img.container_format, "bare");
  CAF_CHECK_EQUAL(img.properties.at("image_location"), "snapshot");
  CAF_CHECK_EQUAL(img.properties.at("image_state"), "available");
  CAF_CHECK_EQUAL(img.properties.at("owner_id"), "p");
  CAF_CHECK_EQUAL(svc->data(image_id), snapshot_bytes);
  CAF_CHECK(!snapshot_files_left());
  CAF_CHECK_EQUAL(counter("vmforge_image_snapshot_uploads_total",
                          {{"result", "ok"}}),
                  1);
  CAF_CHECK_EQUAL(counter("vmforge_image_snapshot_upload_bytes_total"),
                  static_cast<double>(snapshot_bytes.size()));
  CAF_CHECK_EQUAL(counter("vmforge_image_snapshot_upload_seconds"), 1);
  // The instance stays where it was, with its claim.
  CAF_CHECK(usage().used == tiny.claim());
}

CAF_TEST(a snapshot the driver cannot take deletes its image and records a
           fault) {
  store->rows = {row("i-1", vm_state::stopped, power_state::shutdown)};
  store->rows[0].task = task_state::image_snapshot_pending;
  start();
  drv->fail = true;
  auto image_id = queued_image();
  caf::anon_send(cm, op(instance_op::snapshot, image_id));
  sched.run();
  test::next_in<begin_task>(*store);
  check_task(task_state::image_pending_upload, task_state::image_snapshot);
  auto ev = check_event("compute_snapshot_instance", false);
  CAF_CHECK_EQUAL(ev.event.traceback, "qemu-img: disk unreadable");
  auto u = check_task(task_state::none, task_state::image_pending_upload);
  for (auto t : {task_state::image_snapshot_pending, task_state::image_snapshot,
                 task_state::image_uploading})
    CAF_CHECK(u.expected.contains(t));
  CAF_CHECK(u.set_fault);
  CAF_CHECK_EQUAL(u.fault_.message, "qemu-img: disk unreadable");
  CAF_CHECK_EQUAL(svc->calls("delete"), 1);
  CAF_CHECK(gone(image_id));
  CAF_CHECK_EQUAL(svc->calls("upload"), 0);
  CAF_CHECK_EQUAL(counter("vmforge_image_snapshot_uploads_total",
                          {{"result", "error"}}),
                  0);
}

CAF_TEST(a failed upload deletes the image and counts as an error) {
  svc = std::make_shared<failing_uploads>();
  store->rows = {row("i-1", vm_state::active, power_state::running)};
  store->rows[0].task = task_state::image_snapshot_pending;
  start();
  auto image_id = queued_image();
  caf::anon_send(cm, op(instance_op::snapshot, image_id));
  sched.run();
  test::next_in<begin_task>(*store);
  check_task(task_state::image_pending_upload, task_state::image_snapshot);
  check_task(task_state::image_uploading, task_state::image_pending_upload);
  check_event("compute_snapshot_instance", false);
  auto u = check_task(task_state::none, task_state::image_uploading);
  CAF_CHECK_EQUAL(u.fault_.message,
                  "Upload of snapshot " + image_id
                    + " failed: Connection to glance failed");
  CAF_CHECK(gone(image_id));
  CAF_CHECK(!snapshot_files_left());
  CAF_CHECK_EQUAL(counter("vmforge_image_snapshot_uploads_total",
                          {{"result", "error"}}),
                  1);
}

CAF_TEST(a snapshot of an instance deleted meanwhile only deletes its image) {
  store->rows = {row("i-1", vm_state::active, power_state::running)};
  store->rows[0].task = task_state::deleting;
  start();
  auto image_id = queued_image();
  caf::anon_send(cm, op(instance_op::snapshot, image_id));
  sched.run();
  test::next_in<begin_task>(*store);
  CAF_CHECK(store->inbox.empty()); // no state of its own any more
  CAF_CHECK(drv->snapshots.empty());
  CAF_CHECK(gone(image_id));
}

CAF_TEST(a shelve powers off snapshots and offloads at once freeing the
           claim) {
  store->rows = {row("i-1", vm_state::active, power_state::running)};
  store->rows[0].task = task_state::shelving;
  start();
  CAF_CHECK(usage().used == tiny.claim());
  auto image_id = queued_image("vm-shelved");
  caf::anon_send(cm, op(instance_op::shelve, image_id));
  sched.run();
  check_task(task_state::shelving_image_pending_upload, task_state::shelving);
  check_task(task_state::shelving_image_uploading,
             task_state::shelving_image_pending_upload);
  auto shelved = test::next_in<instance_update>(*store);
  CAF_CHECK(shelved.set_vm);
  CAF_CHECK(shelved.vm == vm_state::shelved);
  CAF_CHECK(shelved.task == task_state::shelving_offloading);
  CAF_CHECK(shelved.expected.contains(task_state::shelving_image_uploading));
  CAF_CHECK(shelved.power == power_state::shutdown);
  auto& sm = shelved.system_metadata;
  CAF_CHECK_EQUAL(sm.at("shelved_image_id"), image_id);
  CAF_CHECK_EQUAL(sm.at("shelved_host"), "h");
  CAF_CHECK_EQUAL(sm.at("image_base_image_ref"), cirros.id);
  CAF_CHECK_EQUAL(sm.at("shelved_at").size(), 26u); // 2026-12-01T14:41:39.123456
  // Offloaded: the claim goes before the state changes.
  CAF_CHECK_EQUAL(test::next_in<release_claim>(*scheduler).instance_id, "i-1");
  check_event("compute_shelve_instance", true);
  auto off = test::next_in<instance_update>(*store);
  CAF_CHECK(off.vm == vm_state::shelved_offloaded);
  CAF_CHECK(off.task == task_state::none);
  CAF_CHECK(off.expected.contains(task_state::shelving_offloading));
  CAF_CHECK(off.set_host);
  CAF_CHECK(off.host.empty());
  CAF_CHECK(off.power == power_state::shutdown);
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(drv->list_instances().empty());
  auto use = usage();
  CAF_CHECK(use.used == resources{});
  CAF_CHECK_EQUAL(use.instances, 0);
  CAF_CHECK_EQUAL(svc->show(auth, image_id).status, "active");
}

CAF_TEST(with shelved_offload_time -1 a shelved instance keeps its host until
           shelveOffload) {
  cfg.shelved_offload_time_s = -1;
  store->rows = {row("i-1", vm_state::paused, power_state::paused)};
  store->rows[0].task = task_state::shelving;
  start();
  auto image_id = queued_image("vm-shelved");
  caf::anon_send(cm, op(instance_op::shelve, image_id));
  sched.run();
  check_task(task_state::shelving_image_pending_upload, task_state::shelving);
  check_task(task_state::shelving_image_uploading,
             task_state::shelving_image_pending_upload);
  auto shelved = test::next_in<instance_update>(*store);
  CAF_CHECK(shelved.vm == vm_state::shelved);
  CAF_CHECK(shelved.task == task_state::none);
  check_event("compute_shelve_instance", true);
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(scheduler->inbox.empty());
  CAF_CHECK(usage().used == tiny.claim());
  CAF_CHECK_EQUAL(drv->list_instances().size(), 1u);
  // shelveOffload (the API set shelving_offloading).
  caf::anon_send(cm, op(instance_op::shelve_offload));
  sched.run();
  CAF_CHECK_EQUAL(test::next_in<release_claim>(*scheduler).instance_id, "i-1");
  check_event("compute_shelve_offload_instance", true);
  auto off = test::next_in<instance_update>(*store);
  CAF_CHECK(off.vm == vm_state::shelved_offloaded);
  CAF_CHECK(off.set_host && off.host.empty());
  CAF_CHECK(usage().used == resources{});
  CAF_CHECK(drv->list_instances().empty());
}

CAF_TEST(a failed shelve clears its task and deletes its image) {
  store->rows = {row("i-1", vm_state::active, power_state::running)};
  store->rows[0].task = task_state::shelving;
  start();
  drv->fail = true;
  auto image_id = queued_image("vm-shelved");
  caf::anon_send(cm, op(instance_op::shelve, image_id));
  sched.run();
  check_task(task_state::shelving_image_pending_upload, task_state::shelving);
  check_event("compute_shelve_instance", false);
  auto u = check_task(task_state::none, task_state::shelving_image_pending_upload);
  CAF_CHECK(u.set_fault);
  CAF_CHECK(u.power == power_state::shutdown);
  CAF_CHECK(gone(image_id));
  CAF_CHECK(usage().used == tiny.claim());
  CAF_CHECK(scheduler->inbox.empty());
}

CAF_TEST(the unshelve of a shelved instance powers it on and deletes its
           snapshot) {
  store->rows = {row("i-1", vm_state::shelved, power_state::shutdown)};
  store->rows[0].task = task_state::powering_on;
  start();
  auto image_id = queued_image("vm-shelved");
  caf::anon_send(cm, op(instance_op::unshelve, image_id));
  sched.run();
  check_event("compute_start_instance", true);
  auto u = test::next_in<instance_update>(*store);
  CAF_CHECK(u.vm == vm_state::active);
  CAF_CHECK(u.task == task_state::none);
  CAF_CHECK(u.expected.contains(task_state::powering_on));
  CAF_CHECK(u.power == power_state::running);
  CAF_CHECK(u.drop_system_metadata
            == (std::vector<std::string>{"shelved_at", "shelved_image_id",
                                         "shelved_host"}));
  CAF_CHECK(gone(image_id));
}

CAF_TEST(an unshelve spawns from the snapshot and ends active where the
           scheduler placed it) {
  start();
  auto image_id = queued_image("vm-shelved");
  auto snap = make_image(image_id, "vm-shelved");
  snap.disk_format = "raw"; // what the image cache takes without qemu-img
  svc->add(snap, "a raw snapshot disk");
  build_and_run b;
  b.req.instance_id = "i-1";
  b.req.db_id = 7;
  b.req.instance_name = "vm";
  b.req.project_id = "p";
  b.req.flavor_ = tiny;
  b.req.image_id = image_id;
  b.req.image_ = svc->show(auth, image_id);
  b.req.auth = auth;
  b.req.availability_zone = "az2";
  b.req.request_id = "req-9";
  b.req.unshelve = true;
  b.host = "h";
  b.attempt = 1;
  // The interfaces it kept while shelved: Nova allocates at unshelve.
  store->vifs = {vif{"port-9", {}, "fa:16:3e:00:00:09", "10.42.0.9"}};
  caf::anon_send(cm, b);
  sched.run();
  auto spawning = test::next_in<instance_update>(*store);
  CAF_CHECK(!spawning.set_vm);
  CAF_CHECK(spawning.task == task_state::spawning);
  CAF_CHECK(spawning.expected.contains(task_state::unshelving));
  CAF_CHECK(spawning.set_host && spawning.host == "h");
  CAF_REQUIRE_EQUAL(drv->specs.size(), 1u);
  CAF_CHECK_EQUAL(drv->specs[0].image_.id, image_id);
  CAF_REQUIRE_EQUAL(drv->specs[0].vifs.size(), 1u);
  CAF_CHECK_EQUAL(drv->specs[0].vifs[0].address, "10.42.0.9");
  check_event("compute_unshelve_instance", true);
  CAF_CHECK(test::next_in<build_result>(*conductor).ok);
  auto active = test::next_in<instance_update>(*store);
  CAF_CHECK(active.vm == vm_state::active);
  CAF_CHECK(active.expected.contains(task_state::spawning));
  CAF_CHECK_EQUAL(active.drop_system_metadata.size(), 3u);
  CAF_CHECK(active.set_zone && active.zone == "az2");
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(usage().used == tiny.claim());
  // Nova's _delete_snapshot_of_shelved_instance.
  CAF_CHECK(gone(image_id));
}

CAF_TEST(shelved instances older than shelved_offload_time are offloaded by
           the periodic task) {
  cfg.shelved_offload_time_s = 60;
  cfg.shelved_poll_interval_s = 600;
  store->rows = {row("i-1", vm_state::shelved, power_state::shutdown),
                 row("i-2", vm_state::shelved, power_state::shutdown)};
  store->rows[0].system_metadata["shelved_at"] = "2020-01-01T00:00:00.000000";
  store->rows[1].system_metadata["shelved_at"] = "2999-01-01T00:00:00.000000";
  start();
  CAF_CHECK(usage().used == (resources{2, 1024, 2}));
  advance_time(600s);
  sched.run();
  CAF_CHECK(test::next_in<list_instances>(*store).host == "h");
  auto begun = test::next_in<begin_task>(*store);
  CAF_CHECK_EQUAL(begun.id, "i-1");
  CAF_CHECK(begun.task == task_state::shelving_offloading);
  CAF_CHECK(begun.vm.contains(vm_state::shelved));
  CAF_CHECK(begun.expected.contains(task_state::none));
  CAF_CHECK_EQUAL(test::next_in<release_claim>(*scheduler).instance_id, "i-1");
  test::next_in<record_action>(*store);
  auto off = test::next_in<instance_update>(*store);
  CAF_CHECK_EQUAL(off.id, "i-1");
  CAF_CHECK(off.vm == vm_state::shelved_offloaded);
  CAF_CHECK(store->inbox.empty());
  CAF_CHECK(usage().used == tiny.claim()); // i-2's
}

CAF_TEST_FIXTURE_SCOPE_END()
