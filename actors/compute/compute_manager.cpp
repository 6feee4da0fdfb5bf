#include "actors/compute/compute_manager.hpp"

#include <deque>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>

#include "actors/compute/driver_worker.hpp"
#include "actors/compute/image_cache.hpp"
#include "actors/compute/resource_tracker.hpp"
#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "metrics/mailbox.hpp"
#include "util/log.hpp"

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
};

struct worker_entry {
  driver_worker_actor handle;
  bool busy = false;
  driver_op op;
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
  // Why the driver cannot reach the hypervisor (empty: it can). The host
  // takes no builds meanwhile and the scheduler skips it.
  std::string hypervisor_down;
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

void report_build(compute_pointer self, const build_and_run& job, bool ok,
                  bool retryable, std::string reason,
                  int64_t started_us = now_us()) {
  // One event per attempt: a user sees every host a build was tried on.
  self->send(self->state.cfg.store,
             event_record(job.req.instance_id, job.req.request_id,
                          "compute__do_build_and_run_instance", started_us,
                          ok, job.host, reason));
  self->send(self->state.cfg.conductor,
             build_result{job.req.instance_id, job.host, job.attempt, ok,
                          retryable, std::move(reason)});
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
  report_build(self, job, false, retryable, why, started);
}

void pump(compute_pointer self);

// The build still waiting for its image under this wait.
build_entry* awaiting(compute_pointer self, const std::string& id,
                      uint64_t seq) {
  auto i = self->state.builds.find(id);
  if (i == self->state.builds.end() || !i->second.awaiting_image
      || i->second.seq != seq)
    return nullptr;
  return &i->second;
}

// A build that could not get its image: Nova's RescheduledException
// (another host may) or BuildAbortException.
void image_failed(compute_pointer self, const std::string& id, bool retryable,
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
  spawn_spec spec{id,          instance_name(req.db_id), req.flavor_,
                  req.image_,  req.instance_name,        req.project_id,
                  base.path,   base.format};
  dispatch(self, driver_op{driver_call::spawn, id, std::move(spec)});
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
          image_failed(self, id, base.retryable, base.reason);
          return;
        }
        spawn_on(self, id, base);
      },
      [self, id, seq](caf::error& err) {
        auto b = awaiting(self, id, seq);
        if (!b)
          return;
        auto& img = b->job.req.image_id;
        image_failed(self, id, true,
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
          image_failed(self, id, false,
                       "Image " + image_id + " could not be found.");
        else
          image_failed(self, id, true,
                       err == caf::sec::request_timeout
                         ? "Image " + image_id + " could not be read from "
                             "the image service within "
                             + std::to_string(lookup_timeout.count()) + " s"
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
    // Nova's _build_resources: networking, then block devices, then spawn.
    // There is no network or volume service behind them yet; the states
    // are still recorded in order, each guarded against a concurrent delete.
    update(self, id, vm_state::building, task_state::networking,
           {task_state::none});
    update(self, id, vm_state::building, task_state::block_device_mapping,
           {task_state::networking});
    update(self, id, vm_state::building, task_state::spawning,
           {task_state::block_device_mapping});
    i->second.awaiting_image = true;
    i->second.seq = ++st.next_seq;
    want_image(self, id, i->second.seq);
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
    self->send(st.cfg.store, std::move(u));
  } else {
    st.tracker.release(rep.instance_id);
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
          || st.terminating.count(id) != 0 || st.actions.count(id) != 0)
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
  // Nova's _do_build_and_run_instance: building / no task, on this host.
  instance_update u;
  u.id = id;
  u.vm = vm_state::building;
  u.task = task_state::none;
  u.expected = {task_state::scheduling};
  u.set_host = true;
  u.host = st.cfg.host.name;
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
          if (row.vm == vm_state::building || row.vm == vm_state::error)
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
    [self](driver_reply& rep) {
      on_driver_reply(self, rep);
      publish(self);
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
