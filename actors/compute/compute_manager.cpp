#include "actors/compute/compute_manager.hpp"

#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/compute/console_tail.hpp"
#include "actors/compute/driver_worker.hpp"
#include "actors/compute/image_worker.hpp"
#include "actors/compute/image_cache.hpp"
#include "actors/compute/resource_tracker.hpp"
#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "metrics/mailbox.hpp"
#include "util/log.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

using steady_clock = std::chrono::steady_clock;

struct build_entry {
  build_and_run job;
  bool started = false;
  int64_t accepted_us = 0;
  /// Queued for a slot, then the driver's spawn started (stage metrics).
  steady_clock::time_point queued_at;
  steady_clock::time_point spawn_started;
  /// Started and waiting for its image (its record, then its base file);
  /// `seq` tells the answers of this wait from those of an earlier one.
  bool awaiting_image = false;
  uint64_t seq = 0;
  /// Started and waiting for the store's allocation of its interfaces
  /// (under `seq` too), then the interfaces the spawn plugs.
  bool awaiting_network = false;
  std::vector<vif> vifs = {};
  /// Started and waiting for the scheduler's hosts of its server group
  /// (under `seq`), then passed the group's policy here.
  bool awaiting_group = false;
  bool group_checked = false;
};

struct worker_entry {
  driver_worker_actor handle;
  bool busy = false;
  driver_op op;
};

// Where an instance_operation is.
enum class op_stage : uint8_t {
  starting,     // the store's image_snapshot transition (createImage)
  powering_off, // shelve, shelveOffload
  snapshotting, // the driver flattens the disk
  uploading,    // an image worker sends it
  destroying,   // an offload's destroy
  powering_on,  // the unshelve of a SHELVED instance
};

struct op_entry {
  instance_operation req;
  op_stage stage = op_stage::starting;
  int64_t started_us = 0;
  /// The flattened disk, until an image worker owns it.
  std::string file;
  /// As the driver last read it (what the row gets at the end).
  power_state power = power_state::nostate;
  /// The instance is being deleted: what is left is cleaned up, and the
  /// row is no longer written.
  bool cancelled = false;
  /// The image is active: a failure after it no longer deletes it.
  bool uploaded = false;
};

// An os-getConsoleOutput waiting for a driver worker's read of the log.
struct console_waiter {
  int64_t length = -1;
  caf::typed_response_promise<console_text> rp;
};

struct compute_state {
  static inline const char* name = "compute_manager";
  compute_config cfg;
  resource_tracker tracker;
  std::unordered_map<std::string, build_entry> builds;
  std::deque<std::string> queue;
  int32_t running = 0;
  std::vector<worker_entry> workers;
  std::deque<driver_op> pending_ops;
  // Instances being destroyed for a terminate request: the conductor is told
  // once the driver is done.
  std::unordered_set<std::string> terminating;
  // Workers let go while stuck in a driver call; their exit is expected.
  std::vector<caf::actor_addr> abandoned;
  // Power actions in progress: their request id and start, for the event.
  std::unordered_map<std::string, std::pair<std::string, int64_t>> actions;
  // Snapshots and shelve operations in progress, by instance.
  std::unordered_map<std::string, op_entry> ops;
  // Why the driver cannot reach the hypervisor (empty: it can). The host
  // takes no builds meanwhile and the scheduler skips it.
  std::string hypervisor_down;
  // Console reads in progress, by instance, oldest first: every read of
  // an instance's log is as good as another, so a reply answers the
  // oldest waiter.
  std::unordered_map<std::string, std::deque<console_waiter>> consoles;
  // The host's image cache (linked; restarted if it dies).
  image_cache_actor cache;
  uint64_t next_seq = 0;
};

using compute_pointer = compute_actor::stateful_pointer<compute_state>;

const char* log_name = "compute";

// Every request of a compute manager has an answer or an error within
// this: the store may be slow, never a reason to wait forever.
constexpr auto store_timeout = std::chrono::seconds{30};
// How often init_host asks a store that does not answer in time before
// the host registers without its instances.
constexpr int init_attempts = 3;
// A record lookup of a resumed build (the image service's show).
constexpr auto lookup_timeout = std::chrono::seconds{60};

caf::duration timeout_of(int64_t seconds) {
  if (seconds <= 0)
    return caf::duration{caf::infinite};
  return caf::duration{std::chrono::seconds{seconds}};
}

// The host's gauges follow its account and slots; called after every
// message that may change them.
void publish(compute_pointer self) {
  auto& st = self->state;
  st.cfg.metrics.host->set_usage(st.tracker.capacity(), st.tracker.used(),
                                 st.running,
                                 static_cast<int64_t>(st.queue.size()));
}

void report_host(compute_pointer self, host_report r = {}) {
  auto& h = self->state.cfg.host;
  r.host = h.name;
  r.availability_zone = h.availability_zone;
  r.capacity = h.capacity;
  r.ratios = h.ratios;
  r.enabled = h.enabled;
  r.hypervisor_down = self->state.hypervisor_down;
  r.hypervisor_type = self->state.cfg.drv->hypervisor_type();
  // The store keeps the heartbeat (compute_nodes.last_seen_up).
  self->send(self->state.cfg.store, r);
  self->send(self->state.cfg.scheduler, std::move(r));
}

void update(compute_pointer self, const std::string& id, vm_state vm,
            task_state task, task_set expected) {
  instance_update u;
  u.id = id;
  u.vm = vm;
  u.task = task;
  u.expected = expected;
  self->send(self->state.cfg.store, std::move(u));
}

worker_entry* find_worker(compute_pointer self, const caf::actor_addr& addr) {
  for (auto& w : self->state.workers)
    if (w.handle.address() == addr)
      return &w;
  return nullptr;
}

void dispatch(compute_pointer self, driver_op op) {
  auto& st = self->state;
  for (auto& w : st.workers) {
    if (!w.busy) {
      w.busy = true;
      w.op = op;
      self->send(w.handle, std::move(op));
      return;
    }
  }
  // Room for every build slot plus two for deletes, so a host saturated
  // with slow spawns still destroys instances promptly.
  auto cap = static_cast<size_t>(st.cfg.max_concurrent_builds) + 2;
  if (st.workers.size() < cap) {
    auto w = spawn_driver_worker(self, st.cfg.drv,
                                 caf::actor_cast<compute_actor>(self),
                                 st.cfg.detach_workers);
    st.workers.push_back({w, true, op});
    self->send(w, std::move(op));
    return;
  }
  st.pending_ops.push_back(std::move(op));
}


void destroy_for_terminate(compute_pointer self, const std::string& id) {
  self->state.terminating.insert(id);
  driver_op op;
  op.call = driver_call::destroy;
  op.instance_id = id;
  dispatch(self, std::move(op));
}

// -- snapshots and shelving ---------------------------------------------------

// The task states an operation moves the row through: its updates' guards,
// so that a delete in progress (deleting) wins over every one of them.
task_set op_tasks(instance_op op) {
  using ts = task_state;
  switch (op) {
    case instance_op::snapshot:
      return {ts::image_snapshot_pending, ts::image_snapshot,
              ts::image_pending_upload, ts::image_uploading};
    case instance_op::shelve:
      return {ts::shelving, ts::shelving_image_pending_upload,
              ts::shelving_image_uploading, ts::shelving_offloading};
    case instance_op::shelve_offload:
      return {ts::shelving_offloading};
    case instance_op::unshelve:
      return {ts::unshelving, ts::powering_on};
  }
  return {};
}

// Nova's event names (wrap_instance_event(prefix='compute')); the unshelve
// of a SHELVED instance is the conductor's start_instance cast.
const char* event_of(instance_op op) {
  switch (op) {
    case instance_op::snapshot:
      return "compute_snapshot_instance";
    case instance_op::shelve:
      return "compute_shelve_instance";
    case instance_op::shelve_offload:
      return "compute_shelve_offload_instance";
    case instance_op::unshelve:
      return "compute_start_instance";
  }
  return "compute_unknown";
}

// A task change that keeps the vm_state.
void set_task(compute_pointer self, const std::string& id, task_state task,
              task_set expected) {
  instance_update u;
  u.id = id;
  u.set_vm = false;
  u.task = task;
  u.expected = expected;
  self->send(self->state.cfg.store, std::move(u));
}

void run_image_job(compute_pointer self, image_job job) {
  auto& st = self->state;
  auto w = spawn_image_worker(self, st.cfg.image_service,
                              caf::actor_cast<compute_actor>(self),
                              st.cfg.detach_workers);
  self->send(w, std::move(job));
}

// Deletes an image on an image worker (a failed snapshot's, Nova's
// delete_image_on_error; an unshelved instance's snapshot).
void remove_image(compute_pointer self, const std::string& instance_id,
                  const std::string& image_id, const image_auth& auth) {
  if (image_id.empty())
    return;
  image_job job;
  job.kind = image_job_kind::remove;
  job.instance_id = instance_id;
  job.image_id = image_id;
  job.auth = auth;
  run_image_job(self, std::move(job));
}

void op_event(compute_pointer self, const op_entry& e, bool ok,
              const std::string& error = {}) {
  self->send(self->state.cfg.store,
             event_record(e.req.instance_id, e.req.request_id,
                          event_of(e.req.op), e.started_us, ok,
                          self->state.cfg.host.name, error));
}

// An operation that cannot go on: the image it made goes (unless it is
// active already), the task is cleared in the state the instance was, and
// the fault recorded (Nova's reverts_task_state, wrap_instance_fault,
// delete_image_on_error).
void fail_op(compute_pointer self, op_entry& e, const std::string& why) {
  auto& st = self->state;
  auto id = e.req.instance_id;
  log::error(log_name, e.req.request_id, " ", st.cfg.host.name, ": ",
             to_string(e.req.op), " of ", id,
             e.cancelled ? " abandoned (the instance is being deleted): "
                         : " failed: ",
             why);
  auto makes_image = e.req.op == instance_op::snapshot
                     || e.req.op == instance_op::shelve;
  if (makes_image && !e.uploaded)
    remove_image(self, id, e.req.image_id, e.req.auth);
  if (!e.file.empty()) {
    std::error_code ec;
    std::filesystem::remove(e.file, ec);
  }
  if (!e.cancelled) {
    op_event(self, e, false, why);
    instance_update u;
    u.id = id;
    u.set_vm = false;
    u.task = task_state::none;
    u.expected = op_tasks(e.req.op);
    if (e.power != power_state::nostate) {
      u.set_power = true;
      u.power = e.power;
    }
    u.set_fault = true;
    u.fault_ = fault{500, why, {}, now_us()};
    self->send(st.cfg.store, std::move(u));
  }
  st.ops.erase(id);
}

// The disk flattened into snapshot_dir on a driver worker (the libvirt
// driver's update_task_state(image_pending_upload) before it extracts).
void extract_disk(compute_pointer self, op_entry& e) {
  auto& st = self->state;
  auto shelving = e.req.op == instance_op::shelve;
  set_task(self, e.req.instance_id,
           shelving ? task_state::shelving_image_pending_upload
                    : task_state::image_pending_upload,
           {shelving ? task_state::shelving : task_state::image_snapshot});
  e.stage = op_stage::snapshotting;
  e.file = st.cfg.snapshot_dir + "/" + e.req.image_id + ".qcow2";
  driver_op op;
  op.call = driver_call::snapshot;
  op.instance_id = e.req.instance_id;
  op.file = e.file;
  dispatch(self, std::move(op));
}

// image_uploading (expected image_pending_upload), then the upload on an
// image worker, which owns the file from now on.
void upload_snapshot(compute_pointer self, op_entry& e) {
  auto shelving = e.req.op == instance_op::shelve;
  set_task(self, e.req.instance_id,
           shelving ? task_state::shelving_image_uploading
                    : task_state::image_uploading,
           {shelving ? task_state::shelving_image_pending_upload
                     : task_state::image_pending_upload});
  e.stage = op_stage::uploading;
  image_job job;
  job.kind = image_job_kind::upload;
  job.instance_id = e.req.instance_id;
  job.image_id = e.req.image_id;
  job.auth = e.req.auth;
  job.file = std::move(e.file);
  e.file.clear();
  // Nova's libvirt _create_snapshot_metadata.
  job.properties = {{"image_location", "snapshot"},
                    {"image_state", "available"},
                    {"owner_id", e.req.project_id}};
  job.backup = e.req.backup;
  run_image_job(self, std::move(job));
}

void destroy_for_offload(compute_pointer self, op_entry& e) {
  e.stage = op_stage::destroying;
  driver_op op;
  op.call = driver_call::destroy;
  op.instance_id = e.req.instance_id;
  dispatch(self, std::move(op));
}

// Nova's _shelve_offload_instance after the destroy: the host's claim
// freed (before the state changes, for whoever polls to schedule more),
// SHELVED_OFFLOADED without a host.
void finish_offload(compute_pointer self, op_entry& e) {
  auto& st = self->state;
  auto id = e.req.instance_id;
  st.tracker.release(id);
  self->send(st.cfg.scheduler, release_claim{id});
  op_event(self, e, true);
  instance_update u;
  u.id = id;
  u.vm = vm_state::shelved_offloaded;
  u.task = task_state::none;
  u.expected = {task_state::shelving, task_state::shelving_offloading};
  u.set_host = true;
  u.set_power = true;
  u.power = e.power == power_state::nostate ? power_state::shutdown : e.power;
  self->send(st.cfg.store, std::move(u));
  log::info(log_name, e.req.request_id, " ", st.cfg.host.name, ": ", id,
            " offloaded");
  st.ops.erase(id);
}

// Nova's start_instance for a SHELVED instance: ACTIVE, the shelved keys
// and the snapshot gone.
void finish_unshelve(compute_pointer self, op_entry& e) {
  auto& st = self->state;
  auto id = e.req.instance_id;
  op_event(self, e, true);
  instance_update u;
  u.id = id;
  u.vm = vm_state::active;
  u.task = task_state::none;
  u.expected = {task_state::powering_on};
  u.set_power = true;
  u.power = e.power;
  u.drop_system_metadata.assign(std::begin(shelved_keys),
                                std::end(shelved_keys));
  self->send(st.cfg.store, std::move(u));
  remove_image(self, id, e.req.image_id, e.req.auth);
  st.ops.erase(id);
}

// Nova's timeutils.utcnow().isoformat(): shelved_at.
std::string iso_now() {
  auto us = now_us();
  auto secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%06lld", buf,
                static_cast<long long>(us % 1000000));
  return out;
}

// Seconds since the Unix epoch of an iso_now() time; -1 if it is none.
int64_t parse_iso(const std::string& text) {
  std::tm tm{};
  if (sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
             &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec)
      != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

void on_upload_done(compute_pointer self, image_job_done& done) {
  auto& st = self->state;
  if (done.kind == image_job_kind::remove) {
    if (!done.ok)
      log::warning(log_name, st.cfg.host.name, ": image ", done.image_id,
                   " of ", done.instance_id, " could not be deleted: ",
                   done.reason);
    return;
  }
  if (auto& m = st.cfg.metrics.snapshots) {
    m->uploads(done.ok).Increment();
    if (done.ok)
      m->bytes.Increment(static_cast<double>(done.bytes));
    m->seconds.Observe(done.seconds);
  }
  log::info(log_name, st.cfg.host.name, ": snapshot ", done.image_id, " of ",
            done.instance_id, ": ", done.ok ? "uploaded" : "upload failed",
            ", ", done.bytes, " bytes in ", done.seconds, " s",
            done.ok ? "" : ": ", done.reason);
  auto i = st.ops.find(done.instance_id);
  if (i == st.ops.end() || i->second.req.image_id != done.image_id)
    return;
  auto& e = i->second;
  if (!done.ok) {
    fail_op(self, e, "Upload of snapshot " + done.image_id
                       + " failed: " + done.reason);
    return;
  }
  e.uploaded = true;
  if (e.cancelled) { // an active image stays, as Nova's
    st.ops.erase(i);
    return;
  }
  auto id = e.req.instance_id;
  if (e.req.op == instance_op::snapshot) {
    op_event(self, e, true);
    set_task(self, id, task_state::none, {task_state::image_uploading});
    st.ops.erase(i);
    return;
  }
  // Nova's _shelve_instance: SHELVED with the keys an unshelve needs, and
  // offloaded at once when shelved_offload_time is 0.
  auto offload = st.cfg.shelved_offload_time_s == 0;
  instance_update u;
  u.id = id;
  u.vm = vm_state::shelved;
  u.task = offload ? task_state::shelving_offloading : task_state::none;
  u.expected = {task_state::shelving, task_state::shelving_image_uploading};
  u.set_power = true;
  u.power = e.power;
  u.system_metadata = {{"shelved_at", iso_now()},
                       {"shelved_image_id", e.req.image_id},
                       {"shelved_host", st.cfg.host.name}};
  if (!e.req.base_image_ref.empty())
    u.system_metadata["image_base_image_ref"] = e.req.base_image_ref;
  self->send(st.cfg.store, std::move(u));
  if (!offload) {
    op_event(self, e, true);
    st.ops.erase(i);
    return;
  }
  destroy_for_offload(self, e);
}

// createImage: image_snapshot, expected image_snapshot_pending (Nova's
// snapshot_instance): a delete meanwhile ends it before the disk is read.
void start_snapshot(compute_pointer self, const std::string& id) {
  auto& st = self->state;
  self
    ->request(st.cfg.store, store_timeout,
              begin_task{id, vm_set::any(), {task_state::image_snapshot_pending},
                         false, task_state::image_snapshot})
    .then(
      [self, id](task_begun& begun) {
        auto i = self->state.ops.find(id);
        if (i == self->state.ops.end())
          return;
        auto& e = i->second;
        if (!begun.started)
          e.cancelled = true; // deleted, or its task cleared meanwhile
        if (e.cancelled) {
          fail_op(self, e, "the instance no longer waits for its snapshot");
          return;
        }
        extract_disk(self, e);
      },
      [self, id](caf::error& err) {
        auto i = self->state.ops.find(id);
        if (i == self->state.ops.end())
          return;
        if (err == errc::instance_not_found)
          i->second.cancelled = true;
        fail_op(self, i->second, "the store did not start the snapshot: "
                                   + error_message(err));
      });
}

void on_operation(compute_pointer self, instance_operation& req) {
  auto& st = self->state;
  auto id = req.instance_id;
  if (st.ops.count(id) != 0) {
    log::warning(log_name, req.request_id, " ", st.cfg.host.name, ": ",
                 to_string(req.op), " of ", id,
                 " ignored: another operation of it is running");
    return;
  }
  op_entry fresh;
  fresh.req = std::move(req);
  fresh.started_us = now_us();
  auto& e = st.ops.emplace(id, std::move(fresh)).first->second;
  log::info(log_name, e.req.request_id, " ", st.cfg.host.name, ": ",
            to_string(e.req.op), " of ", id);
  driver_op op;
  op.instance_id = id;
  switch (e.req.op) {
    case instance_op::snapshot:
      start_snapshot(self, id);
      return;
    case instance_op::shelve:
    case instance_op::shelve_offload:
      // Nova powers off first (shelve: then the snapshot; an offload:
      // then the destroy).
      e.stage = op_stage::powering_off;
      op.call = driver_call::power_off;
      break;
    case instance_op::unshelve:
      e.stage = op_stage::powering_on;
      op.call = driver_call::power_on;
      break;
  }
  dispatch(self, std::move(op));
}

// Whether the operation waits for this driver call's reply.
bool awaits(const op_entry& e, driver_call call) {
  switch (e.stage) {
    case op_stage::powering_off:
      return call == driver_call::power_off;
    case op_stage::snapshotting:
      return call == driver_call::snapshot;
    case op_stage::destroying:
      return call == driver_call::destroy;
    case op_stage::powering_on:
      return call == driver_call::power_on;
    default:
      return false;
  }
}

void on_op_reply(compute_pointer self, op_entry& e, driver_reply& rep) {
  if (e.cancelled) {
    fail_op(self, e, "the instance is being deleted");
    return;
  }
  if (!rep.ok) {
    fail_op(self, e, rep.reason);
    return;
  }
  if (rep.call != driver_call::destroy)
    e.power = rep.power;
  switch (e.stage) {
    case op_stage::powering_off:
      if (e.req.op == instance_op::shelve)
        extract_disk(self, e);
      else
        destroy_for_offload(self, e);
      break;
    case op_stage::snapshotting:
      upload_snapshot(self, e);
      break;
    case op_stage::destroying:
      finish_offload(self, e);
      break;
    case op_stage::powering_on:
      finish_unshelve(self, e);
      break;
    default:
      break;
  }
}

// Nova's _poll_shelved_instances: SHELVED instances of this host, with no
// task, shelved longer than shelved_offload_time ago, are offloaded.
void poll_shelved(compute_pointer self) {
  auto& st = self->state;
  self->request(st.cfg.store, store_timeout,
                list_instances{std::string{}, st.cfg.host.name})
    .then(
      [self](instance_list& rows) {
        auto& st = self->state;
        auto now = now_us() / 1000000;
        for (auto& row : rows.items) {
          if (row.vm != vm_state::shelved || row.task != task_state::none
              || st.ops.count(row.id) != 0)
            continue;
          auto at = row.system_metadata.find("shelved_at");
          auto when = at == row.system_metadata.end() ? -1
                                                      : parse_iso(at->second);
          if (when < 0 || now - when < st.cfg.shelved_offload_time_s)
            continue;
          auto id = row.id;
          self
            ->request(st.cfg.store, store_timeout,
                      begin_task{id, {vm_state::shelved}, {task_state::none},
                                 false, task_state::shelving_offloading})
            .then(
              [self, id](task_begun& begun) {
                if (!begun.started)
                  return;
                instance_operation op;
                op.instance_id = id;
                op.host = self->state.cfg.host.name;
                op.op = instance_op::shelve_offload;
                op.request_id = "req-" + make_uuid();
                on_operation(self, op);
              },
              [](caf::error&) {});
        }
      },
      [self](caf::error& err) {
        log::warning(log_name, self->state.cfg.host.name,
                     ": no shelved instances to offload this time: ",
                     error_message(err));
      });
}

void report_build(compute_pointer self, const build_and_run& job, bool ok,
                  bool retryable, std::string reason,
                  int64_t started_us = now_us()) {
  // One event per attempt: a user sees every host a build was tried on.
  self->send(self->state.cfg.store,
             event_record(job.req.instance_id, job.req.request_id,
                          job.req.unshelve
                            ? "compute_unshelve_instance"
                            : "compute__do_build_and_run_instance",
                          started_us, ok, job.host, reason));
  self->send(self->state.cfg.conductor,
             build_result{job.req.instance_id, job.host, job.attempt, ok,
                          retryable, std::move(reason)});
}

// Nova's _cleanup_allocated_networks: a build that failed here gives its
// interfaces back before the conductor hears of it, so the next host
// allocates afresh and nothing is left behind. An unshelve's stay on the
// row, as its ports do in Nova while the instance is shelved.
void release_vifs(compute_pointer self, const build_and_run& job) {
  if (!job.req.unshelve)
    self->send(self->state.cfg.store,
               release_network{job.req.instance_id, self->state.cfg.host.name});
}

// A build leaves its slot (the claim is the caller's to release).
void finish_build(compute_pointer self, const std::string& id) {
  auto& st = self->state;
  auto i = st.builds.find(id);
  if (i == st.builds.end())
    return;
  if (i->second.started)
    --st.running;
  st.builds.erase(i);
}

// A build that ends on this host without a domain: it leaves its slot,
// its claim is released and the conductor hears why.
void fail_build(compute_pointer self, const std::string& id, bool retryable,
                const std::string& why) {
  auto& st = self->state;
  auto i = st.builds.find(id);
  if (i == st.builds.end())
    return;
  auto job = std::move(i->second.job);
  auto started = i->second.accepted_us;
  finish_build(self, id);
  st.tracker.release(id);
  release_vifs(self, job);
  report_build(self, job, false, retryable, why, started);
}

void pump(compute_pointer self);

// The build still waiting under this wait: for its image, or (`what`) its
// interfaces.
build_entry* awaiting(compute_pointer self, const std::string& id,
                      uint64_t seq,
                      bool build_entry::*what = &build_entry::awaiting_image) {
  auto i = self->state.builds.find(id);
  if (i == self->state.builds.end() || !(i->second.*what)
      || i->second.seq != seq)
    return nullptr;
  return &i->second;
}

// A build that could not get its interfaces or its image: Nova's
// RescheduledException (another host may) or BuildAbortException.
void step_failed(compute_pointer self, const std::string& id, bool retryable,
                  const std::string& why) {
  fail_build(self, id, retryable,
             "Build of instance " + id
               + (retryable ? " was re-scheduled: " : " aborted: ") + why);
  pump(self);
  publish(self);
}

// The base file is there: the driver makes the instance's disk on it.
void spawn_on(compute_pointer self, const std::string& id, base_image& base) {
  auto& b = self->state.builds.at(id);
  b.awaiting_image = false;
  b.spawn_started = steady_clock::now();
  auto& req = b.job.req;
  spawn_spec spec;
  spec.instance_id = id;
  spec.instance_name = instance_name(req.db_id);
  spec.flavor_ = req.flavor_;
  spec.image_ = req.image_;
  spec.display_name = req.instance_name;
  spec.project_id = req.project_id;
  spec.base_file = base.path;
  spec.base_format = base.format;
  spec.vifs = b.vifs;
  spec.guest = req.guest;
  spec.availability_zone = req.availability_zone;
  dispatch(self, driver_op{driver_call::spawn, id, std::move(spec), {}});
  publish(self);
}

// Nova's imagebackend cache(): the host's cache downloads the image once
// (every build of it waits for the same download).
void ensure_image(compute_pointer self, const std::string& id, uint64_t seq,
                  image_auth auth) {
  auto& st = self->state;
  auto& img = st.builds.at(id).job.req.image_;
  self->request(st.cache, timeout_of(st.cfg.image_timeout_s),
                ensure_base{img, std::move(auth)})
    .then(
      [self, id, seq](base_image& base) {
        if (!awaiting(self, id, seq))
          return; // deleted meanwhile
        if (!base.ok) {
          step_failed(self, id, base.retryable, base.reason);
          return;
        }
        spawn_on(self, id, base);
      },
      [self, id, seq](caf::error& err) {
        auto b = awaiting(self, id, seq);
        if (!b)
          return;
        auto& img = b->job.req.image_id;
        step_failed(self, id, true,
                     err == caf::sec::request_timeout
                       ? "Image " + img + " was not cached within "
                           + std::to_string(self->state.cfg.image_timeout_s)
                           + " s"
                       : "Image " + img + " could not be cached: "
                           + error_message(err));
      });
}

// The build's image record: the one the API checked, or, for a build
// resumed after a restart (which carries none), the image service's
// answer for the service's own credentials (image_auth{}).
void want_image(compute_pointer self, const std::string& id, uint64_t seq) {
  auto& st = self->state;
  auto& req = st.builds.at(id).job.req;
  if (!req.image_.id.empty()) {
    ensure_image(self, id, seq, req.auth);
    return;
  }
  auto image_id = req.image_id;
  self->request(st.cache, lookup_timeout, lookup_image{image_auth{}, image_id})
    .then(
      [self, id, seq](image& img) {
        auto b = awaiting(self, id, seq);
        if (!b)
          return;
        b->job.req.image_ = std::move(img);
        ensure_image(self, id, seq, image_auth{});
      },
      [self, id, seq, image_id](caf::error& err) {
        if (!awaiting(self, id, seq))
          return;
        // Nova's ImageNotFound during a build: BuildAbortException.
        if (err == errc::image_not_found)
          step_failed(self, id, false,
                       "Image " + image_id + " could not be found.");
        else
          step_failed(self, id, true,
                       err == caf::sec::request_timeout
                         ? "Image " + image_id + " could not be read from "
                             "the image service within "
                             + std::to_string(lookup_timeout.count()) + " s"
                         : error_message(err));
      });
}

// Whether a failed allocation is the request's own (Nova's
// BuildAbortException: no host would do better) rather than the store's.
bool network_abort(const caf::error& err) {
  for (auto code : {errc::no_more_fixed_ips, errc::fixed_ip_already_in_use,
                    errc::fixed_ip_invalid, errc::network_not_found,
                    errc::network_ambiguous, errc::instance_not_found})
    if (err == code)
      return true;
  return false;
}

// The build's interfaces were allocated: there are no volumes, so the
// block device state passes straight to spawning and the image.
void networked(compute_pointer self, build_entry& b, std::vector<vif> vifs) {
  auto& id = b.job.req.instance_id;
  b.awaiting_network = false;
  b.vifs = std::move(vifs);
  if (!b.job.req.unshelve) {
    update(self, id, vm_state::building, task_state::block_device_mapping,
           {task_state::networking});
    update(self, id, vm_state::building, task_state::spawning,
           {task_state::block_device_mapping});
  }
  b.awaiting_image = true;
  want_image(self, id, b.seq);
}

// Nova's _build_networks_for_instance: the store's IPAM allocates the
// instance's interfaces (or gives back those its row holds).
void want_network(compute_pointer self, const std::string& id, uint64_t seq) {
  auto& st = self->state;
  self
    ->request(st.cfg.store, store_timeout,
              allocate_network{id, st.cfg.host.name})
    .then(
      [self, id, seq](network_info& info) {
        if (auto b = awaiting(self, id, seq, &build_entry::awaiting_network))
          networked(self, *b, std::move(info.vifs));
      },
      [self, id, seq](caf::error& err) {
        if (!awaiting(self, id, seq, &build_entry::awaiting_network))
          return;
        auto why = err == caf::sec::request_timeout
                     ? "the store did not allocate its network within "
                         + std::to_string(store_timeout.count()) + " s"
                     : error_message(err);
        log::warning(log_name, self->state.cfg.host.name, ": ", id,
                     ": no network: ", why);
        step_failed(self, id, !network_abort(err), why);
      });
}

// Nova's _build_resources: networking, then block devices, then spawn,
// each state guarded against a concurrent delete. An unshelve is spawning
// already (Nova's _unshelve_instance) and allocates too.
void start_networking(compute_pointer self, build_entry& b) {
  auto& st = self->state;
  auto& id = b.job.req.instance_id;
  if (!b.job.req.unshelve)
    update(self, id, vm_state::building, task_state::networking,
           {task_state::none});
  b.awaiting_network = true;
  b.seq = ++st.next_seq;
  want_network(self, id, b.seq);
}

// Why placing `b` here breaks its group's hard policy (empty: it does
// not). Of this host's members only those whose own check passed count:
// of two builds racing here the first one checked stays (Nova's lock on
// the group around the check).
std::string group_violation(compute_pointer self, const build_entry& b,
                            const group_hosts& where) {
  auto& st = self->state;
  auto& g = b.job.req.group;
  int64_t here = 0;
  bool elsewhere = false;
  for (auto& kv : where.members) {
    if (kv.first != st.cfg.host.name) {
      elsewhere = elsewhere || !kv.second.empty();
      continue;
    }
    for (auto& id : kv.second) {
      auto other = st.builds.find(id);
      if (other == st.builds.end() || other->second.group_checked)
        ++here;
    }
  }
  if (g.policy == "anti-affinity" && here >= g.per_host_limit())
    return "Anti-affinity instance group policy was violated.";
  if (g.policy == "affinity" && here == 0 && elsewhere)
    return "Affinity instance group policy was violated.";
  return {};
}

// Nova's _validate_instance_group_policy, after the claim put the
// instance on this host: the scheduler says where the group's other
// members are; a violation, or no answer in time, is a reschedule.
void check_group(compute_pointer self, build_entry& b) {
  auto& st = self->state;
  auto& g = b.job.req.group;
  if (g.policy != "affinity" && g.policy != "anti-affinity") {
    b.group_checked = true;
    start_networking(self, b);
    return;
  }
  auto id = b.job.req.instance_id;
  b.awaiting_group = true;
  auto seq = b.seq = ++st.next_seq;
  self->request(st.cfg.scheduler, store_timeout, get_group_hosts{g, id})
    .then(
      [self, id, seq](group_hosts& where) {
        auto b = awaiting(self, id, seq, &build_entry::awaiting_group);
        if (b == nullptr)
          return; // deleted meanwhile
        b->awaiting_group = false;
        auto why = group_violation(self, *b, where);
        if (!why.empty()) {
          log::warning(log_name, self->state.cfg.host.name, ": ", id, ": ",
                       why);
          step_failed(self, id, true, why);
          return;
        }
        b->group_checked = true;
        start_networking(self, *b);
      },
      [self, id, seq](caf::error& err) {
        if (!awaiting(self, id, seq, &build_entry::awaiting_group))
          return;
        step_failed(self, id, true,
                    err == caf::sec::request_timeout
                      ? "the scheduler did not tell the server group's "
                        "hosts within "
                          + std::to_string(store_timeout.count()) + " s"
                      : error_message(err));
      });
}

// Starts queued builds while slots are free (max_concurrent_builds).
void pump(compute_pointer self) {
  auto& st = self->state;
  while (st.running < st.cfg.max_concurrent_builds && !st.queue.empty()) {
    auto id = std::move(st.queue.front());
    st.queue.pop_front();
    auto i = st.builds.find(id);
    if (i == st.builds.end())
      continue;
    i->second.started = true;
    st.cfg.metrics.queued->Observe(
      metrics::seconds_since(i->second.queued_at));
    ++st.running;
    check_group(self, i->second);
  }
}

void on_spawned(compute_pointer self, driver_reply& rep) {
  auto& st = self->state;
  auto i = st.builds.find(rep.instance_id);
  if (i == st.builds.end()) {
    // The build was cancelled while this (abandoned) worker was spawning:
    // whatever the driver made must go.
    if (rep.ok) {
      driver_op op;
      op.call = driver_call::destroy;
      op.instance_id = rep.instance_id;
      dispatch(self, std::move(op));
    }
    return;
  }
  st.cfg.metrics.spawning->Observe(
    metrics::seconds_since(i->second.spawn_started));
  auto job = std::move(i->second.job);
  auto started = i->second.accepted_us;
  finish_build(self, rep.instance_id);
  if (rep.ok) {
    // The event first: whoever sees ACTIVE finds the attempt recorded.
    report_build(self, job, true, false, {}, started);
    instance_update u;
    u.id = rep.instance_id;
    u.vm = vm_state::active;
    u.task = task_state::none;
    u.expected = {task_state::spawning};
    u.set_power = true;
    u.power = rep.power;
    u.set_launched = true;
    if (job.req.unshelve) {
      // Nova's _unshelve_instance: the shelved keys go, the instance is
      // in the zone it was unshelved to, and its snapshot is deleted.
      u.drop_system_metadata.assign(std::begin(shelved_keys),
                                    std::end(shelved_keys));
      if (!job.req.availability_zone.empty()) {
        u.set_zone = true;
        u.zone = job.req.availability_zone;
      }
    }
    self->send(st.cfg.store, std::move(u));
    if (job.req.unshelve)
      remove_image(self, rep.instance_id, job.req.image_id, job.req.auth);
  } else {
    st.tracker.release(rep.instance_id);
    release_vifs(self, job);
    report_build(self, job, false, rep.retryable, std::move(rep.reason),
                 started);
  }
  pump(self);
}

void on_destroyed(compute_pointer self, driver_reply& rep) {
  auto& st = self->state;
  if (!rep.ok)
    log::error(log_name, st.cfg.host.name, ": destroy of ", rep.instance_id,
               " failed: ", rep.reason);
  if (st.terminating.erase(rep.instance_id) == 0)
    return;
  st.tracker.release(rep.instance_id);
  self->send(st.cfg.conductor,
             instance_terminated{rep.instance_id, st.cfg.host.name});
}

// A power action finished: the state it leads to, or back to no task.
void on_action_done(compute_pointer self, driver_reply& rep) {
  auto& st = self->state;
  auto a = st.actions.find(rep.instance_id);
  if (!rep.ok)
    log::error(log_name, a != st.actions.end() ? a->second.first : "", " ",
               st.cfg.host.name, ": ", to_string(rep.call), " of ",
               rep.instance_id, " failed: ", rep.reason);
  // The event before the state: whoever sees the new state finds it.
  if (a != st.actions.end()) {
    // Nova's event names: compute_stop_instance, compute_reboot_instance...
    auto name = std::string{to_string(rep.call)};
    if (rep.call == driver_call::power_off)
      name = "stop";
    else if (rep.call == driver_call::power_on)
      name = "start";
    self->send(st.cfg.store,
               event_record(rep.instance_id, a->second.first,
                            "compute_" + name + "_instance", a->second.second,
                            rep.ok, st.cfg.host.name, rep.reason));
    st.actions.erase(a);
  }
  instance_update u;
  u.id = rep.instance_id;
  u.expected = tasks_of(rep.call);
  u.task = task_state::none;
  if (rep.ok) {
    u.vm = result_of(rep.call);
    u.set_power = true;
    u.power = rep.power;
  } else {
    u.set_vm = false; // back to no task, in the state it was
  }
  self->send(st.cfg.store, std::move(u));
}

// Nova's _sync_instance_power_state after a lifecycle event, on the power
// state the driver reads now (an event may arrive late, e.g. the stop
// half of a reboot): nothing while a task runs; a guest that stopped or
// crashed on its own makes the instance SHUTOFF; otherwise the recorded
// power state follows the guest's.
void on_power_sync(compute_pointer self, const driver_reply& rep) {
  auto power = rep.power;
  self->request(self->state.cfg.store, store_timeout,
                get_instance{rep.instance_id})
    .then(
      [self, power](instance& row) {
        auto& st = self->state;
        if (row.task != task_state::none || row.host != st.cfg.host.name
            || power == power_state::nostate)
          return;
        instance_update u;
        u.id = row.id;
        u.set_vm = false;
        u.task = task_state::none;
        u.expected = {task_state::none};
        u.set_power = true;
        u.power = power;
        auto off = power == power_state::shutdown
                   || power == power_state::crashed;
        if (row.vm == vm_state::active && off) {
          log::warning(log_name, st.cfg.host.name, ": instance ", row.id,
                       " shut down by itself (power state ",
                       static_cast<int>(power), "); it is now SHUTOFF");
          u.set_vm = true;
          u.vm = vm_state::stopped;
        } else if (row.power == power) {
          return;
        }
        self->send(st.cfg.store, std::move(u));
      },
      [self, id = rep.instance_id](caf::error& err) {
        // Any other error: deleted meanwhile, nothing to sync.
        if (err == caf::sec::request_timeout)
          log::warning(log_name, self->state.cfg.host.name,
                       ": power state of ", id, " not synced: the store did "
                       "not answer within ", store_timeout.count(), " s");
      });
}

// Queued builds cannot start on a host without its hypervisor: they go
// back to the conductor (a retryable failure), which picks another host.
// Started ones fail by themselves as their driver calls do.
void requeue_elsewhere(compute_pointer self, const std::string& why) {
  auto& st = self->state;
  auto queued = std::move(st.queue);
  st.queue.clear();
  for (auto& id : queued)
    fail_build(self, id, true, why);
}

void on_hypervisor_event(compute_pointer self, hypervisor_event& e) {
  auto& st = self->state;
  switch (e.kind) {
    case hypervisor_event_kind::disconnected:
      st.hypervisor_down = e.reason.empty() ? "unknown reason" : e.reason;
      log::error(log_name, st.cfg.host.name,
                 ": hypervisor unreachable (", st.hypervisor_down,
                 "); the host takes no builds until it is back");
      requeue_elsewhere(self, "Connection to the hypervisor lost: "
                                + st.hypervisor_down);
      report_host(self);
      break;
    case hypervisor_event_kind::connected:
      if (st.hypervisor_down.empty())
        return;
      st.hypervisor_down.clear();
      log::info(log_name, st.cfg.host.name, ": hypervisor reachable again");
      report_host(self);
      break;
    case hypervisor_event_kind::lifecycle: {
      auto& id = e.instance_id;
      // Our own calls change power states too; their replies say so.
      if (!st.tracker.holds(id) || st.builds.count(id) != 0
          || st.terminating.count(id) != 0 || st.actions.count(id) != 0
          || st.ops.count(id) != 0)
        return;
      driver_op op;
      op.call = driver_call::get_power_state;
      op.instance_id = id;
      dispatch(self, std::move(op));
      break;
    }
  }
}

void on_terminate(compute_pointer self, const std::string& id) {
  auto& st = self->state;
  // A snapshot or shelve in progress ends at its next step.
  if (auto op = st.ops.find(id); op != st.ops.end())
    op->second.cancelled = true;
  auto i = st.builds.find(id);
  if (i == st.builds.end()) {
    if (st.tracker.holds(id))
      destroy_for_terminate(self, id);
    else
      self->send(st.cfg.conductor, instance_terminated{id, st.cfg.host.name});
    return;
  }
  if (!i->second.started) {
    st.queue.erase(std::find(st.queue.begin(), st.queue.end(), id));
    finish_build(self, id);
    st.tracker.release(id);
    self->send(st.cfg.conductor, instance_terminated{id, st.cfg.host.name});
    return;
  }
  // Spawning: the driver call cannot be interrupted, and may never return
  // (a hung hypervisor). Abandon its worker so the slot frees now; if the
  // spawn still completes, on_spawned destroys what it made.
  for (auto w = st.workers.begin(); w != st.workers.end(); ++w) {
    if (w->busy && w->op.call == driver_call::spawn && w->op.instance_id == id) {
      self->send_exit(w->handle, caf::exit_reason::user_shutdown);
      st.abandoned.push_back(w->handle.address());
      st.workers.erase(w);
      break;
    }
  }
  finish_build(self, id);
  destroy_for_terminate(self, id);
  pump(self);
}

void on_worker_down(compute_pointer self, const caf::actor_addr& who,
                    const caf::error& reason) {
  auto& st = self->state;
  auto w = find_worker(self, who);
  if (w == nullptr)
    return; // an abandoned worker, already replaced
  auto op = w->op;
  auto busy = w->busy;
  st.workers.erase(st.workers.begin() + (w - st.workers.data()));
  auto why = error_message(reason);
  log::error(log_name, st.cfg.host.name, ": driver worker died (", why,
             "), restarting it");
  self->send(st.cfg.supervisor,
             actor_restarted{"driver_worker", st.cfg.host.name, why});
  if (busy && op.call == driver_call::spawn) {
    fail_build(self, op.instance_id, true, "Driver worker crashed: " + why);
  } else if (busy) {
    dispatch(self, std::move(op)); // destroys and power calls are retried
  }
  // The replacement: keeps the pool's size and takes any waiting call.
  if (!st.pending_ops.empty()) {
    auto next = std::move(st.pending_ops.front());
    st.pending_ops.pop_front();
    dispatch(self, std::move(next));
  }
  pump(self);
}

caf::result<console_text> on_console_request(compute_pointer self,
                                             get_console_output& req) {
  auto rp = self->make_response_promise<console_text>();
  self->state.consoles[req.instance_id].push_back({req.length, rp});
  driver_op op;
  op.call = driver_call::console_output;
  op.instance_id = req.instance_id;
  dispatch(self, std::move(op));
  return rp;
}

void on_console_read(compute_pointer self, driver_reply& rep) {
  auto& all = self->state.consoles;
  auto i = all.find(rep.instance_id);
  if (i == all.end())
    return;
  auto w = std::move(i->second.front());
  i->second.pop_front();
  if (i->second.empty())
    all.erase(i);
  if (rep.ok)
    w.rp.deliver(console_text{console_tail(rep.output, w.length)});
  else if (rep.retryable) // the hypervisor is unreachable for now
    w.rp.deliver(nova_error(errc::service_unavailable, rep.reason));
  else
    w.rp.deliver(nova_error(errc::instance_not_found, rep.instance_id));
}

void on_driver_reply(compute_pointer self, driver_reply& rep) {
  auto& st = self->state;
  if (auto w = find_worker(self, self->current_sender()->address())) {
    w->busy = false;
    if (!st.pending_ops.empty()) {
      w->busy = true;
      w->op = std::move(st.pending_ops.front());
      st.pending_ops.pop_front();
      self->send(w->handle, w->op);
    }
  }
  // An operation's own calls; a destroy for a terminate is the
  // terminate's (the operation, cancelled, ends on its own call).
  if (auto op = st.ops.find(rep.instance_id);
      op != st.ops.end() && awaits(op->second, rep.call)
      && !(rep.call == driver_call::destroy
           && st.terminating.count(rep.instance_id) != 0)) {
    on_op_reply(self, op->second, rep);
    return;
  }
  switch (rep.call) {
    case driver_call::spawn:
      on_spawned(self, rep);
      break;
    case driver_call::destroy:
      on_destroyed(self, rep);
      break;
    case driver_call::get_power_state:
      on_power_sync(self, rep);
      break;
    case driver_call::console_output:
      on_console_read(self, rep);
      break;
    default:
      on_action_done(self, rep);
      break;
  }
}

void on_build(compute_pointer self, build_and_run& job) {
  auto& st = self->state;
  auto id = job.req.instance_id; // a copy: job is moved into the map below
  if (st.builds.count(id) != 0)
    return; // a duplicate dispatch: the first one answers
  if (!st.hypervisor_down.empty()) {
    // Sent before the scheduler heard the host is down: another host may.
    report_build(self, job, false, true,
                 "Connection to the hypervisor lost: " + st.hypervisor_down);
    return;
  }
  auto why = st.tracker.claim(id, job.req.flavor_.claim());
  if (!why.empty()) {
    report_build(self, job, false, true, std::move(why));
    return;
  }
  // Nova's _do_build_and_run_instance: building / no task, on this host;
  // an unshelve (Nova's _unshelve_instance): spawning, still
  // SHELVED_OFFLOADED until it runs.
  instance_update u;
  u.id = id;
  if (job.req.unshelve) {
    u.set_vm = false;
    u.task = task_state::spawning;
    u.expected = {task_state::unshelving};
  } else {
    u.vm = vm_state::building;
    u.task = task_state::none;
    u.expected = {task_state::scheduling};
  }
  u.set_host = true;
  u.host = st.cfg.host.name;
  // Nova's conductor stores the host's zone on the instance (its view's
  // OS-EXT-AZ:availability_zone from then on).
  if (!job.availability_zone.empty()) {
    u.set_zone = true;
    u.zone = job.availability_zone;
  }
  self->send(st.cfg.store, std::move(u));
  st.queue.push_back(id);
  st.builds.emplace(id, build_entry{std::move(job), false, now_us(),
                                    steady_clock::now(), {}});
  pump(self);
}

// The host's image cache in instances_path/[image_cache] subdirectory_name.
void start_cache(compute_pointer self) {
  auto& st = self->state;
  auto root = std::filesystem::absolute(st.cfg.instances_path).string();
  image_cache_config c;
  c.host = st.cfg.host.name;
  c.dir = root + "/" + st.cfg.image_cache.subdirectory_name;
  c.lock_dir = root + "/locks";
  c.service = st.cfg.image_service;
  c.download_workers = st.cfg.image_cache.download_workers;
  c.remove_unused_base_images = st.cfg.image_cache.remove_unused_base_images;
  c.remove_unused_original_minimum_age_s =
    st.cfg.image_cache.remove_unused_original_minimum_age_seconds;
  c.download_timeout_s = st.cfg.image_timeout_s;
  c.detach_workers = st.cfg.detach_workers;
  c.metrics = st.cfg.metrics.images;
  st.cache = spawn_image_cache(self, std::move(c));
}

// The cache died: builds waiting for it go elsewhere, a new one starts.
void on_cache_down(compute_pointer self, const caf::error& reason) {
  auto& st = self->state;
  auto why = error_message(reason);
  log::error(log_name, st.cfg.host.name, ": image cache died (", why,
             "), restarting it");
  self->send(st.cfg.supervisor,
             actor_restarted{"image_cache", st.cfg.host.name, why});
  start_cache(self);
  std::vector<std::string> waiting;
  for (auto& kv : st.builds)
    if (kv.second.awaiting_image)
      waiting.push_back(kv.first);
  for (auto& id : waiting)
    fail_build(self, id, true,
               "Build of instance " + id + " was re-scheduled: the image "
               "cache of " + st.cfg.host.name + " died: " + why);
  pump(self);
}

// One pass of the image cache manager (Nova's ImageCacheManager.update)
// over the images of the host's instances: its rows in the store, and the
// builds it holds. `remove`: also delete the unused bases.
void manage_images(compute_pointer self, std::vector<std::string> in_use,
                   bool remove) {
  auto& st = self->state;
  for (auto& kv : st.builds)
    in_use.push_back(kv.second.job.req.image_id);
  self->request(st.cache, store_timeout,
                manage_image_cache{std::move(in_use), remove})
    .then(
      [self](image_cache_pass& pass) {
        if (!pass.removed.empty())
          log::info(log_name, self->state.cfg.host.name,
                    ": image cache manager removed ", pass.removed.size(),
                    " unused base files; ", pass.bases, " left (",
                    pass.bytes, " bytes)");
      },
      [self](caf::error& err) {
        log::warning(log_name, self->state.cfg.host.name,
                     ": image cache manager pass failed: ",
                     error_message(err));
      });
}

void on_image_cache_tick(compute_pointer self) {
  auto& st = self->state;
  self->request(st.cfg.store, store_timeout,
                list_instances{std::string{}, st.cfg.host.name})
    .then(
      [self](instance_list& rows) {
        std::vector<std::string> in_use;
        for (auto& row : rows.items)
          in_use.push_back(row.image_id);
        manage_images(self, std::move(in_use), true);
      },
      [self](caf::error& err) {
        // Without the host's instances nothing may be removed.
        log::warning(log_name, self->state.cfg.host.name,
                     ": image cache manager skipped: cannot list the "
                     "host's instances (", error_message(err), ")");
      });
  if (auto period = st.cfg.image_cache.manager_period_s(); period > 0)
    self->delayed_send(self, std::chrono::seconds{period}, image_cache_tick{});
}

// As Nova's init_host: account for the instances already on this host
// (after a restart) before taking new builds, which wait meanwhile. A
// store that does not answer in time is asked again; after init_attempts
// the host registers without its instances rather than never.
void init_host(compute_pointer self, int attempt = 1) {
  auto& st = self->state;
  self->request(st.cfg.store, store_timeout,
                list_instances{std::string{}, st.cfg.host.name})
    .await(
      [self](instance_list& rows) {
        auto& st = self->state;
        host_report first;
        // The bases its instances use are touched before any cache
        // manager of a host sharing the directory removes them.
        std::vector<std::string> in_use;
        for (auto& row : rows.items)
          in_use.push_back(row.image_id);
        manage_images(self, std::move(in_use), false);
        for (auto& row : rows.items) {
          if (row.vm == vm_state::building || row.vm == vm_state::error
              || row.vm == vm_state::shelved_offloaded)
            continue;
          st.tracker.adopt(row.id, row.flavor_.claim());
          first.held_ids.push_back(row.id);
          first.held.push_back(row.flavor_.claim());
        }
        report_host(self, std::move(first));
        publish(self);
      },
      [self, attempt](caf::error& err) {
        auto& host = self->state.cfg.host.name;
        if (err == caf::sec::request_timeout && attempt < init_attempts) {
          log::warning(log_name, host, ": the store did not list its "
                       "instances within ", store_timeout.count(),
                       " s (attempt ", attempt, " of ", init_attempts,
                       "); asking again");
          init_host(self, attempt + 1);
          return;
        }
        log::error(log_name, host, ": cannot read its instances (",
                   error_message(err), "); registering without them");
        report_host(self);
        publish(self);
      });
}

compute_actor::behavior_type compute_manager(compute_pointer self,
                                             compute_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.tracker = resource_tracker{st.cfg.host.capacity, st.cfg.host.ratios};
  start_cache(self);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (self->state.cache && msg.source == self->state.cache.address()) {
      on_cache_down(self, msg.reason);
      publish(self);
      return;
    }
    if (find_worker(self, msg.source) != nullptr) {
      on_worker_down(self, msg.source, msg.reason);
      publish(self);
      return;
    }
    auto& gone = self->state.abandoned;
    auto i = std::find(gone.begin(), gone.end(), msg.source);
    if (i != gone.end()) {
      gone.erase(i);
      return;
    }
    self->quit(msg.reason); // our own shutdown
  });
  self->delayed_send(self, std::chrono::seconds{st.cfg.report_interval_s},
                     heartbeat_tick{});
  if (auto period = st.cfg.image_cache.manager_period_s(); period > 0)
    self->delayed_send(self, std::chrono::seconds{period}, image_cache_tick{});
  // The driver's events come from its own thread. A weak address: the
  // driver, which the compute manager holds, must not keep it alive.
  st.cfg.drv->watch([addr = self->address()](hypervisor_event e) {
    if (auto me = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(me, std::move(e));
  });
  init_host(self);
  if (st.cfg.shelved_offload_time_s > 0 && st.cfg.shelved_poll_interval_s > 0)
    self->delayed_send(self,
                       std::chrono::seconds{st.cfg.shelved_poll_interval_s},
                       shelved_poll_tick{});
  return {
    [self](build_and_run& job) {
      on_build(self, job);
      publish(self);
    },
    [self](terminate_instance& t) {
      on_terminate(self, t.instance_id);
      publish(self);
    },
    [self](instance_action& act) {
      self->state.actions[act.instance_id] = {act.request_id, now_us()};
      driver_op op;
      op.call = act.call;
      op.instance_id = act.instance_id;
      dispatch(self, std::move(op));
    },
    [self](instance_operation& op) {
      on_operation(self, op);
      publish(self);
    },
    [self](driver_reply& rep) {
      on_driver_reply(self, rep);
      publish(self);
    },
    [self](image_job_done& done) {
      on_upload_done(self, done);
      publish(self);
    },
    [self](shelved_poll_tick) {
      poll_shelved(self);
      self->delayed_send(self,
                         std::chrono::seconds{
                           self->state.cfg.shelved_poll_interval_s},
                         shelved_poll_tick{});
    },
    [self](hypervisor_event& e) {
      on_hypervisor_event(self, e);
      publish(self);
    },
    [self](heartbeat_tick) {
      auto& host = *self->state.cfg.metrics.host;
      host.mailbox.Set(metrics::mailbox_depth(self));
      report_host(self);
      self->delayed_send(self,
                         std::chrono::seconds{
                           self->state.cfg.report_interval_s},
                         heartbeat_tick{});
    },
    [self](image_cache_tick) { on_image_cache_tick(self); },
    [self](get_console_output& req) { return on_console_request(self, req); },
    [self](get_host_usage&) -> host_usage {
      auto& st = self->state;
      return host_usage{st.cfg.host.name,
                        st.tracker.capacity(),
                        st.tracker.used(),
                        static_cast<int64_t>(st.tracker.instances()),
                        st.running,
                        static_cast<int64_t>(st.queue.size()),
                        static_cast<int64_t>(st.workers.size())};
    },
  };
}

} // namespace

compute_actor spawn_compute_manager(caf::local_actor* parent,
                                    compute_config cfg) {
  return parent->spawn<caf::monitored>(compute_manager, std::move(cfg));
}

} // namespace vmforge
