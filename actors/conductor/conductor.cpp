#include "actors/conductor/conductor.hpp"

#include <algorithm>
#include <unordered_map>

#include <caf/all.hpp>

#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "metrics/mailbox.hpp"
#include "util/deadline_queue.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

enum class phase : uint8_t { scheduling, claiming, on_host };

using steady_clock = std::chrono::steady_clock;

struct build_ctx {
  build_request req;
  std::vector<std::string> tried;
  std::vector<std::string> alternates; // unclaimed, best first
  std::string host;
  phase ph = phase::scheduling;
  uint32_t attempt = 0;
  bool deleting = false;  // the user deleted it: finish as a delete
  bool timed_out = false; // already ERROR: only clean-up is left
  std::string last_reason;
  caf::actor_clock::time_point deadline;
  int64_t accepted_us = 0;
  steady_clock::time_point accepted;
  /// When the current attempt started waiting for a host.
  steady_clock::time_point scheduling_since;
};

struct conductor_state {
  static inline const char* name = "conductor";
  conductor_config cfg;
  std::unordered_map<std::string, build_ctx> builds;
  // Instances that finished building and are now being deleted -> host.
  std::unordered_map<std::string, std::string> terminating;
  std::unordered_map<std::string, compute_actor> computes;
  // Power actions for named hosts that are not online, delivered in order
  // when the host's compute manager is (a compute process that rejoins).
  std::unordered_map<std::string, std::vector<instance_action>> queued_actions;
  // The same for snapshots and shelve operations.
  std::unordered_map<std::string, std::vector<instance_operation>> queued_ops;
  conductor_stats stats;
  /// Requests to the scheduler awaiting their answers.
  request_deadlines<deadline_tick> deadlines;
};

using conductor_pointer = conductor_actor::stateful_pointer<conductor_state>;

const char* log_name = "conductor";

metrics::build_metrics& counters(conductor_pointer self) {
  return self->state.cfg.metrics->builds;
}

// The one way a build leaves the conductor.
void forget(conductor_pointer self, const std::string& id) {
  auto& builds = self->state.builds;
  builds.erase(id);
  counters(self).in_flight.Set(static_cast<double>(builds.size()));
}

request_spec spec_of(const build_ctx& ctx) {
  return {ctx.req.instance_id,         ctx.req.project_id,
          ctx.req.flavor_.claim(),     ctx.req.availability_zone,
          ctx.req.flavor_.extra_specs, ctx.req.image_.properties,
          ctx.req.scheduler_hints,     ctx.req.group};
}

void release(conductor_pointer self, const std::string& id) {
  self->send(self->state.cfg.scheduler, release_claim{id});
}

std::chrono::seconds scheduler_timeout(conductor_pointer self) {
  return std::chrono::seconds{self->state.cfg.scheduler_timeout_s};
}

// The scheduler did not answer `request` in time. Its answer, should it
// still come, is dropped, and a claim it made with it would stay: callers
// release, which the scheduler handles after the request.
void count_scheduler_timeout(conductor_pointer self, const build_ctx& ctx,
                             const std::string& request,
                             metrics::Counter& counter) {
  log::warning(log_name, ctx.req.request_id, " instance ",
               ctx.req.instance_id, ": no answer from the scheduler to ",
               request, " within ", self->state.cfg.scheduler_timeout_s,
               " s");
  counter.Increment();
}

// The instance is gone: give back its claim and drop the row.
void finish_delete(conductor_pointer self, const std::string& id) {
  release(self, id);
  self->send(self->state.cfg.store, instance_deleted{id});
  forget(self, id);
  ++self->state.stats.builds_deleted;
}

void set_error(conductor_pointer self, build_ctx& ctx, std::string message,
               std::string details) {
  auto id = ctx.req.instance_id;
  log::warning(log_name, ctx.req.request_id, " instance ", id,
               " -> ERROR: ", message,
               details.empty() ? "" : " (", details,
               details.empty() ? "" : ")");
  instance_update u;
  u.id = id;
  u.vm = vm_state::error;
  u.task = task_state::none;
  u.set_host = true; // its resources are released, nothing runs anywhere
  u.set_fault = true;
  u.fault_ = fault{500, std::move(message), std::move(details), now_us()};
  self->send(self->state.cfg.store, std::move(u));
  ++self->state.stats.builds_error;
  counters(self).error.Increment();
}

void fail(conductor_pointer self, build_ctx& ctx, std::string message,
          std::string details = {}) {
  set_error(self, ctx, std::move(message), std::move(details));
  forget(self, ctx.req.instance_id);
}

// An unshelve that did not happen: the instance stays SHELVED_OFFLOADED,
// without a host or a task (Nova's conductor and _unshelve_instance: no
// reschedule, never ERROR), with the fault if there is one.
void end_unshelve(conductor_pointer self, build_ctx& ctx, std::string message) {
  auto id = ctx.req.instance_id;
  log::warning(log_name, ctx.req.request_id, " unshelve of ", id,
               " failed: ", message);
  instance_update u;
  u.id = id;
  u.set_vm = false;
  u.task = task_state::none;
  u.expected = {task_state::unshelving, task_state::spawning};
  u.set_host = true;
  if (!message.empty()) {
    u.set_fault = true;
    u.fault_ = fault{500, std::move(message), {}, now_us()};
  }
  self->send(self->state.cfg.store, std::move(u));
}

// A build whose outcome no longer matters (deleted or timed out) reached a
// point where nothing of it is left on any host.
bool settle_if_abandoned(conductor_pointer self, build_ctx& ctx) {
  if (ctx.deleting) {
    // A build that timed out already ended (in ERROR).
    if (!ctx.timed_out)
      counters(self).deleted.Increment();
    finish_delete(self, ctx.req.instance_id);
    return true;
  }
  if (ctx.timed_out) {
    release(self, ctx.req.instance_id);
    forget(self, ctx.req.instance_id);
    return true;
  }
  return false;
}

void schedule(conductor_pointer self, const std::string& id);
void on_failure(conductor_pointer self, build_ctx& ctx, bool retryable,
                std::string reason);

// Nova's conductor_schedule_and_build_instances event, once per build.
void record_scheduling(conductor_pointer self, const build_ctx& ctx, bool ok,
                       std::string error = {}) {
  // An unshelve's is Nova's conductor unshelve_instance EventReporter.
  self->send(self->state.cfg.store,
             event_record(ctx.req.instance_id, ctx.req.request_id,
                          ctx.req.unshelve
                            ? "schedule_instances"
                            : "conductor_schedule_and_build_instances",
                          ctx.accepted_us, ok, {}, std::move(error)));
}

void dispatch(conductor_pointer self, build_ctx& ctx, const std::string& host,
              const std::string& zone) {
  if (ctx.tried.empty())
    record_scheduling(self, ctx, true);
  counters(self).scheduling.Observe(
    metrics::seconds_since(ctx.scheduling_since));
  ctx.tried.push_back(host);
  ctx.host = host;
  ctx.ph = phase::on_host;
  ++ctx.attempt;
  auto i = self->state.computes.find(host);
  if (i == self->state.computes.end()) {
    on_failure(self, ctx, true, "Compute host " + host + " is not available.");
    return;
  }
  self->send(i->second, build_and_run{ctx.req, host, ctx.attempt, zone});
}

void next_alternate(conductor_pointer self, build_ctx& ctx) {
  if (ctx.alternates.empty()) {
    schedule(self, ctx.req.instance_id);
    return;
  }
  auto host = ctx.alternates.front();
  ctx.alternates.erase(ctx.alternates.begin());
  ctx.ph = phase::claiming;
  auto id = ctx.req.instance_id;
  self->state.deadlines.request(
    self, self->state.cfg.scheduler, scheduler_timeout(self),
    claim_host{spec_of(ctx), host},
    [self, id, host](host_claimed& claimed) {
      auto i = self->state.builds.find(id);
      if (i == self->state.builds.end())
        return;
      if (!settle_if_abandoned(self, i->second))
        dispatch(self, i->second, host, claimed.availability_zone);
    },
    [self, id, host](caf::error& err) {
      auto i = self->state.builds.find(id);
      if (i == self->state.builds.end())
        return;
      auto& ctx = i->second;
      // A claim that timed out counts as refused: the next alternate.
      auto timed_out = err == caf::sec::request_timeout;
      if (timed_out)
        count_scheduler_timeout(self, ctx, "claim_host on " + host,
                                counters(self).claim_timeouts);
      if (settle_if_abandoned(self, ctx))
        return;
      if (timed_out)
        release(self, id);
      next_alternate(self, ctx);
    });
}

void on_failure(conductor_pointer self, build_ctx& ctx, bool retryable,
                std::string reason) {
  auto& cfg = self->state.cfg;
  auto id = ctx.req.instance_id;
  release(self, id);
  ctx.host.clear();
  ctx.last_reason = reason;
  if (ctx.req.unshelve) {
    end_unshelve(self, ctx, std::move(reason));
    forget(self, id);
    return;
  }
  // Nova disables retries when max_attempts is 1: the error is the reason.
  if (!retryable || cfg.max_attempts <= 1) {
    fail(self, ctx, std::move(reason));
    return;
  }
  if (static_cast<int32_t>(ctx.tried.size()) >= cfg.max_attempts) {
    fail(self, ctx,
         "Exceeded maximum number of retries. Exceeded max scheduling "
         "attempts "
           + std::to_string(cfg.max_attempts) + " for instance " + id
           + ". Last exception: " + reason);
    return;
  }
  ++self->state.stats.reschedules;
  counters(self).reschedules.Increment();
  ctx.scheduling_since = steady_clock::now();
  log::info(log_name, ctx.req.request_id, " rescheduling ", id,
            " after attempt ",
            ctx.tried.size(), " on ", ctx.tried.back(), ": ", reason);
  instance_update u;
  u.id = id;
  u.vm = vm_state::building;
  u.task = task_state::scheduling;
  u.set_host = true;
  self->send(cfg.store, std::move(u));
  next_alternate(self, ctx);
}

void on_selected(conductor_pointer self, host_selection& sel) {
  auto i = self->state.builds.find(sel.instance_id);
  if (i == self->state.builds.end()) {
    release(self, sel.instance_id);
    return;
  }
  auto& ctx = i->second;
  if (settle_if_abandoned(self, ctx))
    return;
  ctx.alternates = std::move(sel.alternates);
  dispatch(self, ctx, sel.host, sel.availability_zone);
}

void on_no_host(conductor_pointer self, const std::string& id,
                const caf::error& err) {
  auto i = self->state.builds.find(id);
  if (i == self->state.builds.end())
    return;
  auto& ctx = i->second;
  if (settle_if_abandoned(self, ctx))
    return;
  if (ctx.req.unshelve) {
    // Nova: "No valid host found for unshelve instance": the task goes,
    // the instance stays SHELVED_OFFLOADED.
    auto why = error_message(err);
    record_scheduling(self, ctx, false, why);
    log::warning(log_name, ctx.req.request_id, " unshelve of ", id, ": ",
                 why);
    end_unshelve(self, ctx, {});
    forget(self, id);
    return;
  }
  if (err != errc::no_valid_host) {
    fail(self, ctx, nova_message(errc::no_valid_host, {error_message(err)}));
    return;
  }
  ++self->state.stats.no_valid_host;
  counters(self).no_valid_host.Increment();
  if (ctx.tried.empty()) {
    auto why = error_message(err);
    record_scheduling(self, ctx, false, why);
    fail(self, ctx, why);
    return;
  }
  fail(self, ctx,
       "Exceeded maximum number of retries. Exhausted all hosts available "
       "for retrying build failures for instance "
         + id + ".",
       ctx.last_reason);
}

// A select_destinations that timed out ends the build in ERROR rather
// than asking again, as in Nova: its conductor buries the instance in
// ERROR on any exception of that call, a MessagingTimeout included. A
// scheduler that is already late would only get more to do.
void on_select_timeout(conductor_pointer self, const std::string& id) {
  auto i = self->state.builds.find(id);
  if (i == self->state.builds.end())
    return;
  auto& ctx = i->second;
  count_scheduler_timeout(self, ctx, "select_destinations",
                          counters(self).select_timeouts);
  if (settle_if_abandoned(self, ctx))
    return;
  release(self, id);
  auto why = "Timed out waiting for a reply to select_destinations after "
             + std::to_string(self->state.cfg.scheduler_timeout_s)
             + " seconds.";
  if (ctx.tried.empty())
    record_scheduling(self, ctx, false, why);
  if (ctx.req.unshelve) {
    end_unshelve(self, ctx, why);
    forget(self, id);
    return;
  }
  fail(self, ctx, why, ctx.last_reason);
}

void schedule(conductor_pointer self, const std::string& id) {
  auto& ctx = self->state.builds.at(id);
  ctx.ph = phase::scheduling;
  // An unshelve asks for no alternates (Nova: return_alternates=False).
  auto alts = ctx.req.unshelve ? 0
                               : self->state.cfg.max_attempts - 1
                                   - static_cast<int32_t>(ctx.tried.size());
  self->state.deadlines.request(
    self, self->state.cfg.scheduler, scheduler_timeout(self),
    select_destinations{spec_of(ctx), ctx.tried, std::max<int32_t>(0, alts)},
    [self](host_selection& sel) { on_selected(self, sel); },
    [self, id](caf::error& err) {
      if (err == caf::sec::request_timeout)
        on_select_timeout(self, id);
      else
        on_no_host(self, id, err);
    });
}

void on_build_request(conductor_pointer self, build_request& req) {
  auto id = req.instance_id;
  build_ctx ctx;
  ctx.req = std::move(req);
  ctx.accepted_us = now_us();
  ctx.accepted = steady_clock::now();
  ctx.scheduling_since = ctx.accepted;
  // On the actor clock, as the timeout ticks: steady_clock in production,
  // the test coordinator's clock under test.
  auto timeout_s = self->state.cfg.instance_build_timeout_s;
  ctx.deadline = self->clock().now() + std::chrono::seconds{timeout_s};
  ctx.tried = ctx.req.tried_hosts;
  auto [pos, fresh] = self->state.builds.emplace(id, std::move(ctx));
  if (!fresh)
    return; // already building
  counters(self).in_flight.Set(static_cast<double>(self->state.builds.size()));
  if (pos->second.tried.empty()) {
    schedule(self, id);
    return;
  }
  // Resumed after a restart: the host it was on counts as a failed attempt.
  auto& resumed = pos->second;
  on_failure(self, resumed, true,
             interrupted_build(id, resumed.tried.back()));
}

void on_build_result(conductor_pointer self, build_result& res) {
  auto i = self->state.builds.find(res.instance_id);
  if (i == self->state.builds.end())
    return;
  auto& ctx = i->second;
  // A late answer from an earlier attempt, or a build that is being torn
  // down (its compute manager answers the terminate instead).
  if (ctx.ph != phase::on_host || res.attempt != ctx.attempt || ctx.deleting
      || ctx.timed_out)
    return;
  if (res.ok) {
    if (!ctx.req.unshelve) { // an unshelve is no build
      ++self->state.stats.builds_active;
      counters(self).active.Increment();
      counters(self).duration.Observe(metrics::seconds_since(ctx.accepted));
    }
    forget(self, res.instance_id);
    return;
  }
  on_failure(self, ctx, res.retryable, std::move(res.reason));
}

void send_terminate(conductor_pointer self, const std::string& host,
                    const std::string& id) {
  auto i = self->state.computes.find(host);
  if (i != self->state.computes.end())
    self->send(i->second, terminate_instance{id});
}

void on_delete(conductor_pointer self, delete_request& del) {
  auto& st = self->state;
  auto i = st.builds.find(del.instance_id);
  if (i != st.builds.end()) {
    auto& ctx = i->second;
    if (ctx.deleting)
      return;
    ctx.deleting = true;
    // Scheduling or claiming: settled when the scheduler answers. Timed
    // out on a host: the terminate is already on its way.
    if (ctx.ph == phase::on_host && !ctx.timed_out)
      send_terminate(self, ctx.host, del.instance_id);
    return;
  }
  if (st.terminating.count(del.instance_id) != 0)
    return;
  if (!del.host.empty() && st.computes.count(del.host) != 0) {
    st.terminating.emplace(del.instance_id, del.host);
    send_terminate(self, del.host, del.instance_id);
    return;
  }
  // A local delete, as Nova's for a host that is down: the row goes now,
  // the domain when the host rejoins (its reconciliation destroys it), and
  // no power action waits for it any more.
  for (auto& kv : st.queued_actions) {
    auto& q = kv.second;
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](const instance_action& x) {
                             return x.instance_id == del.instance_id;
                           }),
            q.end());
  }
  for (auto& kv : st.queued_ops) {
    auto& q = kv.second;
    q.erase(std::remove_if(q.begin(), q.end(),
                           [&](const instance_operation& x) {
                             return x.instance_id == del.instance_id;
                           }),
            q.end());
  }
  finish_delete(self, del.instance_id);
}

void on_terminated(conductor_pointer self, instance_terminated& t) {
  auto& st = self->state;
  auto i = st.builds.find(t.instance_id);
  if (i != st.builds.end()) {
    settle_if_abandoned(self, i->second);
    return;
  }
  if (st.terminating.erase(t.instance_id) != 0)
    finish_delete(self, t.instance_id);
}

// Every build in flight on `host` is lost with its compute manager: a
// failed, retryable attempt there (the host counts as tried), through the
// reschedule path. Deletes and timeouts among them are settled instead.
void hand_back_builds(conductor_pointer self, const std::string& host,
                      const std::string& why) {
  auto& st = self->state;
  std::vector<std::string> lost;
  for (auto& kv : st.builds)
    if (kv.second.ph == phase::on_host && kv.second.host == host)
      lost.push_back(kv.first);
  for (auto& id : lost) {
    auto& ctx = st.builds.at(id);
    if (settle_if_abandoned(self, ctx))
      continue;
    // The lost compute manager could not record its build event.
    self->send(st.cfg.store,
               event_record(id, ctx.req.request_id,
                            "compute__do_build_and_run_instance",
                            ctx.accepted_us, false, host, why));
    on_failure(self, ctx, true, why);
  }
}

// A compute manager (re)starts serving `host`. A restart, or a handle other
// than the one recorded (a new compute process after a loss nobody
// noticed), loses the builds the old one held. A new handle gets the
// deletes in progress and the power actions queued while it was away.
void on_compute_online(conductor_pointer self, compute_online& c) {
  auto& st = self->state;
  auto prev = st.computes.find(c.host);
  auto known = prev != st.computes.end();
  auto replaced = known && prev->second != c.handle;
  auto fresh = !known || replaced;
  st.computes[c.host] = c.handle;
  if (c.restarted || replaced)
    hand_back_builds(self, c.host,
                     c.restarted ? "Compute manager of host " + c.host
                                     + " failed: " + c.reason
                                 : "Compute manager of host " + c.host
                                     + " was replaced by a new process");
  if (!fresh)
    return;
  for (auto& kv : st.terminating)
    if (kv.second == c.host)
      send_terminate(self, c.host, kv.first);
  if (auto ops = st.queued_ops.find(c.host); ops != st.queued_ops.end()) {
    for (auto& op : ops->second)
      self->send(c.handle, std::move(op));
    st.queued_ops.erase(ops);
  }
  auto queued = st.queued_actions.find(c.host);
  if (queued == st.queued_actions.end())
    return;
  for (auto& act : queued->second)
    self->send(c.handle, std::move(act));
  st.queued_actions.erase(queued);
}

// The compute process of `host` is gone: its builds are handed back now;
// its deletes in progress stay terminating until it is online again.
void on_compute_offline(conductor_pointer self, compute_offline& c) {
  log::warning(log_name, "compute host ", c.host, " is offline: ", c.reason);
  self->state.computes.erase(c.host);
  hand_back_builds(self, c.host,
                   "Compute host " + c.host + " is offline: " + c.reason);
}

// Power actions go straight to the instance's host; one that is not online
// gets them when it is (once per instance and call: a rejoining host's
// reconciliation may ask again for an action already queued). Without a
// host (an instance that never got one) there is nothing to act on: the
// task the API set is cleared again.
void on_action(conductor_pointer self, instance_action& act) {
  auto& st = self->state;
  auto i = st.computes.find(act.host);
  if (i != st.computes.end()) {
    self->send(i->second, std::move(act));
    return;
  }
  if (!act.host.empty()) {
    auto& queue = st.queued_actions[act.host];
    auto same = [&](const instance_action& x) {
      return x.instance_id == act.instance_id && x.call == act.call;
    };
    if (std::none_of(queue.begin(), queue.end(), same)) {
      log::info(log_name, act.request_id, " instance ", act.instance_id, ": ",
                to_string(act.call), " waits for host ", act.host,
                " to be online");
      queue.push_back(std::move(act));
    }
    return;
  }
  log::warning(log_name, act.request_id, " instance ", act.instance_id,
               ": no host for ", to_string(act.call));
  instance_update u;
  u.id = act.instance_id;
  u.set_vm = false;
  u.task = task_state::none;
  u.expected = tasks_of(act.call);
  self->send(st.cfg.store, std::move(u));
}

// The task states an operation may have set when it gets no further.
task_set op_tasks(instance_op op) {
  switch (op) {
    case instance_op::snapshot:
      return {task_state::image_snapshot_pending};
    case instance_op::shelve:
      return {task_state::shelving};
    case instance_op::shelve_offload:
      return {task_state::shelving_offloading};
    case instance_op::unshelve:
      return {task_state::unshelving, task_state::powering_on};
  }
  return {};
}

// Snapshots and shelve operations go to the instance's host as power
// actions do (queued while it is offline). The unshelve of a SHELVED
// instance is Nova's conductor unshelve_instance: powering-on (expected
// unshelving), then the host powers it on.
void on_operation(conductor_pointer self, instance_operation& op) {
  auto& st = self->state;
  if (op.op == instance_op::unshelve && !op.host.empty()) {
    instance_update u;
    u.id = op.instance_id;
    u.set_vm = false;
    u.task = task_state::powering_on;
    u.expected = {task_state::unshelving};
    self->send(st.cfg.store, std::move(u));
  }
  if (auto i = st.computes.find(op.host); i != st.computes.end()) {
    self->send(i->second, std::move(op));
    return;
  }
  if (!op.host.empty()) {
    log::info(log_name, op.request_id, " instance ", op.instance_id, ": ",
              to_string(op.op), " waits for host ", op.host,
              " to be online");
    st.queued_ops[op.host].push_back(std::move(op));
    return;
  }
  log::warning(log_name, op.request_id, " instance ", op.instance_id,
               ": no host for ", to_string(op.op));
  instance_update u;
  u.id = op.instance_id;
  u.set_vm = false;
  u.task = task_state::none;
  u.expected = op_tasks(op.op);
  self->send(st.cfg.store, std::move(u));
}

void on_timeout_tick(conductor_pointer self) {
  auto& st = self->state;
  auto now = self->clock().now();
  std::vector<std::string> expired;
  for (auto& kv : st.builds)
    if (!kv.second.deleting && !kv.second.timed_out && kv.second.deadline <= now)
      expired.push_back(kv.first);
  for (auto& id : expired) {
    auto& ctx = st.builds.at(id);
    ctx.timed_out = true;
    if (ctx.req.unshelve) {
      end_unshelve(self, ctx,
                   "Unshelve of instance " + id + " timed out after "
                     + std::to_string(st.cfg.instance_build_timeout_s)
                     + " seconds.");
    } else {
      ++st.stats.build_timeouts;
      counters(self).timeouts.Increment();
      set_error(self, ctx,
                "Build of instance " + id + " timed out after "
                  + std::to_string(st.cfg.instance_build_timeout_s)
                  + " seconds.",
                ctx.last_reason);
    }
    if (ctx.ph == phase::on_host)
      send_terminate(self, ctx.host, id);
  }
  self->delayed_send(self,
                     std::chrono::milliseconds{st.cfg.build_timeout_check_ms},
                     timeout_tick{});
}

conductor_actor::behavior_type conductor(conductor_pointer self,
                                         conductor_config cfg) {
  self->state.cfg = std::move(cfg);
  self->delayed_send(self,
                     std::chrono::milliseconds{
                       self->state.cfg.build_timeout_check_ms},
                     timeout_tick{});
  return {
    [self](build_request& req) { on_build_request(self, req); },
    [self](build_result& res) { on_build_result(self, res); },
    [self](delete_request& del) { on_delete(self, del); },
    [self](instance_terminated& t) { on_terminated(self, t); },
    [self](compute_online& c) { on_compute_online(self, c); },
    [self](compute_offline& c) { on_compute_offline(self, c); },
    [self](timeout_tick) {
      // The conductor's own backlog, sampled on its one timer.
      self->state.cfg.metrics->runtime.conductor_mailbox.Set(
        metrics::mailbox_depth(self));
      on_timeout_tick(self);
    },
    [self](deadline_tick) { self->state.deadlines.on_tick(self); },
    [self](instance_action& act) { on_action(self, act); },
    [self](instance_operation& op) { on_operation(self, op); },
    [self](get_console_output& req) -> caf::result<console_text> {
      // The host's compute manager answers the API itself.
      auto i = self->state.computes.find(req.host);
      if (i == self->state.computes.end())
        return nova_error(errc::service_unavailable,
                          "Compute host " + req.host + " is not available.");
      return self->delegate(i->second, std::move(req));
    },
    [self](get_conductor_stats&) -> conductor_stats {
      auto stats = self->state.stats;
      stats.in_flight = static_cast<int64_t>(self->state.builds.size());
      return stats;
    },
  };
}

} // namespace

conductor_actor spawn_conductor(caf::actor_system& sys, conductor_config cfg) {
  return sys.spawn(conductor, std::move(cfg));
}

} // namespace vmforge
