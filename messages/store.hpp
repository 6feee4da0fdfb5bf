#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "messages/instance.hpp"

// Messages to the instance store: the one path every state change takes.
namespace vmforge {

/// Per-project limits (Nova's [quota]); a negative value means unlimited.
struct quota_limits {
  int64_t instances = 10;
  int64_t cores = 20;
  int64_t ram_mb = 51200;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_limits& x) {
  return f(caf::meta::type_name("quota_limits"), x.instances, x.cores,
           x.ram_mb);
}

/// Insert up to rows.size() new rows, as many as the project's quota allows
/// but at least min_count, in one step (Nova's check_num_instances_quota).
struct create_instances {
  std::vector<instance> rows;
  int64_t min_count = 1;
  quota_limits limits;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_instances& x) {
  return f(caf::meta::type_name("create_instances"), x.rows, x.min_count,
           x.limits);
}

/// A state transition; applied only while the row's task_state is in
/// `expected` (Nova's expected_task_state), so a delete in progress wins.
struct instance_update {
  std::string id;
  /// When false the row keeps its vm_state (a delete changes only the task).
  bool set_vm = true;
  vm_state vm = vm_state::building;
  task_state task = task_state::none;
  task_set expected = not_deleting();
  bool set_host = false;
  std::string host;
  bool set_power = false;
  power_state power = power_state::nostate;
  bool set_fault = false;
  fault fault_;
  bool set_launched = false;
  /// A client's answer waits for this change (a delete's 204): it is
  /// written at once, not behind (see store/writer.hpp).
  bool acknowledged = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_update& x) {
  return f(caf::meta::type_name("instance_update"), x.id, x.set_vm, x.vm, x.task,
           x.expected, x.set_host, x.host, x.set_power, x.power, x.set_fault,
           x.fault_, x.set_launched, x.acknowledged);
}

/// The instance is gone for good (Nova soft-deletes; GET answers 404).
struct instance_deleted {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_deleted& x) {
  return f(caf::meta::type_name("instance_deleted"), x.id);
}

/// A change of user-set fields (PUT /servers/{id}); answers the new row.
struct edit_instance {
  std::string id;
  bool set_name = false;
  std::string name;
  bool set_access_ipv4 = false;
  std::string access_ipv4;
  bool set_access_ipv6 = false;
  std::string access_ipv6;
  bool set_description = false;
  bool has_description = false;
  std::string description;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, edit_instance& x) {
  return f(caf::meta::type_name("edit_instance"), x.id, x.set_name, x.name,
           x.set_access_ipv4, x.access_ipv4, x.set_access_ipv6, x.access_ipv6,
           x.set_description, x.has_description, x.description);
}

/// What a project's instances use (Nova counts them for quota).
struct get_usage {
  std::string project_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_usage& x) {
  return f(caf::meta::type_name("get_usage"), x.project_id);
}

struct project_usage {
  int64_t instances = 0;
  int64_t cores = 0;
  int64_t ram_mb = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, project_usage& x) {
  return f(caf::meta::type_name("project_usage"), x.instances, x.cores,
           x.ram_mb);
}

/// Starts a user action atomically: if the row's vm_state is allowed, no
/// task is in progress and (for non-admins) it is not locked, sets `task`
/// and answers the row; otherwise api_errc::conflict with Nova's message.
struct begin_task {
  std::string id;
  std::string action; // for the message: "stop", "reboot", ...
  vm_set allowed;
  task_state task = task_state::none;
  bool is_admin = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, begin_task& x) {
  return f(caf::meta::type_name("begin_task"), x.id, x.action, x.allowed,
           x.task, x.is_admin);
}

struct set_locked {
  std::string id;
  bool locked = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_locked& x) {
  return f(caf::meta::type_name("set_locked"), x.id, x.locked);
}

/// Changes an instance's metadata in one step: `replace` swaps the whole
/// set, otherwise `items` are merged; a non-empty `remove_key` is deleted
/// (404 if absent). More than `limit` items (if >= 0) is 403.
struct change_metadata {
  std::string id;
  std::map<std::string, std::string> items;
  bool replace = false;
  std::string remove_key;
  int64_t limit = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change_metadata& x) {
  return f(caf::meta::type_name("change_metadata"), x.id, x.items, x.replace,
           x.remove_key, x.limit);
}

/// One step of an instance action (Nova's InstanceActionEvent).
struct action_event {
  std::string name; // e.g. compute__do_build_and_run_instance
  int64_t start_us = 0;
  int64_t finish_us = 0;
  std::string result; // Success | Error
  std::string host;
  std::string traceback; // the error, shown to admins
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_event& x) {
  return f(caf::meta::type_name("action_event"), x.name, x.start_us,
           x.finish_us, x.result, x.host, x.traceback);
}

/// What a user asked of an instance (Nova's InstanceAction).
struct action_record {
  std::string action; // create, stop, start, reboot, ...
  std::string request_id;
  std::string user_id;
  std::string project_id;
  int64_t start_us = 0;
  std::vector<action_event> events;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_record& x) {
  return f(caf::meta::type_name("action_record"), x.action, x.request_id,
           x.user_id, x.project_id, x.start_us, x.events);
}

/// Starts an action, or (with `event` set) adds an event to the action of
/// `request_id`.
struct record_action {
  std::string instance_id;
  action_record action;
  bool is_event = false;
  action_event event;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_action& x) {
  return f(caf::meta::type_name("record_action"), x.instance_id, x.action,
           x.is_event, x.event);
}

/// An event of the action `request_id`, finished now.
inline record_action event_record(std::string instance_id,
                                  std::string request_id, std::string name,
                                  int64_t start_us, bool ok, std::string host,
                                  std::string error = {}) {
  record_action rec;
  rec.instance_id = std::move(instance_id);
  rec.action.request_id = std::move(request_id);
  rec.is_event = true;
  rec.event = action_event{std::move(name), start_us, now_us(),
                           ok ? "Success" : "Error", std::move(host),
                           std::move(error)};
  return rec;
}

struct get_actions {
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_actions& x) {
  return f(caf::meta::type_name("get_actions"), x.instance_id);
}

struct action_list {
  std::vector<action_record> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_list& x) {
  return f(caf::meta::type_name("action_list"), x.items);
}

struct get_instance {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_instance& x) {
  return f(caf::meta::type_name("get_instance"), x.id);
}

/// Rows matching every non-empty filter.
struct list_instances {
  std::string project_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_instances& x) {
  return f(caf::meta::type_name("list_instances"), x.project_id, x.host);
}

/// Ask the store to send every applied transition (or only the final ones:
/// active, error, deleted) to `observer` as `instance_transition`.
struct subscribe_transitions {
  caf::actor observer;
  bool final_only = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        subscribe_transitions& x) {
  return f(caf::meta::type_name("subscribe_transitions"), x.observer,
           x.final_only);
}

struct instance_transition {
  std::string id;
  vm_state vm = vm_state::building;
  task_state task = task_state::none;
  std::string host;
  int64_t at_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_transition& x) {
  return f(caf::meta::type_name("instance_transition"), x.id, x.vm, x.task,
           x.host, x.at_us);
}

/// Answered once every write the store (or the API handler) queued before
/// it is durable: the last step before a 202 or 204 leaves.
struct sync_store {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync_store&) {
  return f(caf::meta::type_name("sync_store"));
}

struct store_synced {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, store_synced&) {
  return f(caf::meta::type_name("store_synced"));
}

/// Store writer -> store: writes up to `seq` are committed.
struct writes_durable {
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, writes_durable& x) {
  return f(caf::meta::type_name("writes_durable"), x.seq);
}

} // namespace vmforge
