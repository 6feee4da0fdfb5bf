#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/action.hpp"
#include "messages/aggregate.hpp"
#include "messages/host_report.hpp"
#include "messages/instance.hpp"
#include "messages/keypair.hpp"
#include "messages/server_group.hpp"
#include "messages/network.hpp"
#include "messages/quota.hpp"
#include "messages/security_group.hpp"

// The store's protocol: every state change of an instance, every read of
// one, every write of the API's catalog and the durability barrier
// answers wait behind.
namespace vmforge {

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
  /// System metadata set and removed with the transition (shelve's keys).
  std::map<std::string, std::string> system_metadata;
  std::vector<std::string> drop_system_metadata;
  /// The instance's availability zone (an unshelve to a zone, 2.77).
  bool set_zone = false;
  std::string zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_update& x) {
  return f(caf::meta::type_name("instance_update"), x.id, x.set_vm, x.vm, x.task,
           x.expected, x.set_host, x.host, x.set_power, x.power, x.set_fault,
           x.fault_, x.set_launched, x.acknowledged, x.system_metadata,
           x.drop_system_metadata, x.set_zone, x.zone);
}

/// The instance is gone: its row is kept, DELETED with its terminated_at,
/// for admins' lists and usage (Nova's soft-deleted rows) until its
/// retention ends; GET answers 404.
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
  bool set_hostname = false; // 2.90
  std::string hostname;
  bool set_tags = false; // 2.26: the whole set, sorted
  std::vector<std::string> tags;
  bool set_disk_config = false; // OS-DCF:diskConfig, AUTO or MANUAL
  std::string disk_config{};
  /// System metadata keys starting with this go (os-server-password's
  /// DELETE clears the password_* keys); empty: none.
  std::string drop_system_metadata_prefix{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, edit_instance& x) {
  return f(caf::meta::type_name("edit_instance"), x.id, x.set_name, x.name,
           x.set_access_ipv4, x.access_ipv4, x.set_access_ipv6, x.access_ipv6,
           x.set_description, x.has_description, x.description,
           x.set_hostname, x.hostname, x.set_tags, x.tags,
           x.set_disk_config, x.disk_config, x.drop_system_metadata_prefix);
}

/// Adds a security group (by name) to the instance's, or removes it; a
/// group already there, or not there, is left as it is. Answers the row.
struct change_security_group {
  std::string id;
  std::string name;
  bool add = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        change_security_group& x) {
  return f(caf::meta::type_name("change_security_group"), x.id, x.name,
           x.add);
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

/// Starts a user action if the row still allows it, as the API's rules
/// found on the row it read (Nova's instance.save with expected_vm_state
/// and expected_task_state): its vm_state in `vm`, its task_state in
/// `expected` and, with `unlocked`, not locked. Then it sets `task`.
struct begin_task {
  std::string id;
  vm_set vm;
  task_set expected;
  bool unlocked = false;
  task_state task = task_state::none;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, begin_task& x) {
  return f(caf::meta::type_name("begin_task"), x.id, x.vm, x.expected,
           x.unlocked, x.task);
}

/// Whether the task was set, and the row as it now is.
struct task_begun {
  bool started = false;
  instance row;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_begun& x) {
  return f(caf::meta::type_name("task_begun"), x.started, x.row);
}

struct set_locked {
  std::string id;
  bool locked = false;
  /// The lock's reason (2.73); empty: none. An unlock clears it.
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_locked& x) {
  return f(caf::meta::type_name("set_locked"), x.id, x.locked,
           x.reason);
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

/// With `read_deleted`, a deleted row still kept answers too (Nova's
/// read_deleted='yes', as os-instance-actions reads from 2.21).
struct get_instance {
  std::string id;
  bool read_deleted = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_instance& x) {
  return f(caf::meta::type_name("get_instance"), x.id, x.read_deleted);
}

/// The live rows of these ids, those there are (os-server-external-events).
struct find_instances {
  std::vector<std::string> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_instances& x) {
  return f(caf::meta::type_name("find_instances"), x.ids);
}

/// Rows matching every non-empty filter: the live ones, only the deleted
/// ones kept (Nova's deleted=True), or both (changes-since, usage).
struct list_instances {
  std::string project_id;
  std::string host;
  bool only_deleted = false;
  bool with_deleted = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_instances& x) {
  return f(caf::meta::type_name("list_instances"), x.project_id, x.host,
           x.only_deleted, x.with_deleted);
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

/// Answered once every write the store queued before it is durable: the
/// last step before a 202 or 204 leaves.
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

// What the API handler keeps in memory (flavors, keypairs, quotas, security
// groups) and the operators' status of a host: written by the store, each
// answered with store_synced once it is durable.

/// A flavor with its extra specs and the projects with access to it.
struct save_flavor {
  flavor flavor_;
  std::vector<std::string> projects;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_flavor& x) {
  return f(caf::meta::type_name("save_flavor"), x.flavor_, x.projects);
}

/// An aggregate with its hosts and metadata (replacing what was).
struct save_aggregate {
  aggregate agg;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_aggregate& x) {
  return f(caf::meta::type_name("save_aggregate"), x.agg);
}

struct drop_aggregate {
  int64_t id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drop_aggregate& x) {
  return f(caf::meta::type_name("drop_aggregate"), x.id);
}

struct drop_flavor {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drop_flavor& x) {
  return f(caf::meta::type_name("drop_flavor"), x.id);
}

struct save_keypair {
  keypair kp;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_keypair& x) {
  return f(caf::meta::type_name("save_keypair"), x.kp);
}

struct drop_keypair {
  std::string user_id;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drop_keypair& x) {
  return f(caf::meta::type_name("drop_keypair"), x.user_id, x.name);
}

/// A server group and its members, as they are now (created, or a member
/// joined or left).
struct save_server_group {
  server_group group;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_server_group& x) {
  return f(caf::meta::type_name("save_server_group"), x.group);
}

struct drop_server_group {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drop_server_group& x) {
  return f(caf::meta::type_name("drop_server_group"), x.id);
}

struct save_quotas {
  std::vector<quota_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_quotas& x) {
  return f(caf::meta::type_name("save_quotas"), x.entries);
}

/// A project's own limits and its users' are gone (back to the defaults).
struct drop_project_quotas {
  std::string project_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        drop_project_quotas& x) {
  return f(caf::meta::type_name("drop_project_quotas"), x.project_id);
}

/// Every group of the project, rules included (replacing what was).
struct save_security_groups {
  std::string project_id;
  std::vector<security_group_info> groups;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        save_security_groups& x) {
  return f(caf::meta::type_name("save_security_groups"), x.project_id,
           x.groups);
}

/// os-services disable/enable, as the scheduler took it.
struct save_host_status {
  std::string host;
  bool disabled = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, save_host_status& x) {
  return f(caf::meta::type_name("save_host_status"), x.host, x.disabled,
           x.reason);
}

/// os-services force-down (2.11), as the scheduler took it.
struct save_host_forced_down {
  std::string host;
  bool forced_down = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        save_host_forced_down& x) {
  return f(caf::meta::type_name("save_host_forced_down"), x.host,
           x.forced_down);
}

/// A compute host's `networking` step (Nova's allocate_for_instance): the
/// instance's interfaces for the networks its row asked for, recorded on
/// the row (Nova's network info cache) and answered once durable. A row
/// that holds interfaces already (a build resumed after a restart, an
/// unshelve) gets them back. Errors: InstanceNotFound, NoMoreFixedIps,
/// FixedIpAlreadyInUse, FixedIpInvalid, NetworkNotFound.
struct allocate_network {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocate_network& x) {
  return f(caf::meta::type_name("allocate_network"), x.instance_id, x.host);
}

/// A failed build's cleanup (Nova's _cleanup_allocated_networks): the
/// interfaces `host` allocated are freed and the row's vifs cleared, so the
/// next host allocates afresh. Ignored if another host holds them now.
struct release_network {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_network& x) {
  return f(caf::meta::type_name("release_network"), x.instance_id, x.host);
}

/// The configured networks (os-networks, a create's checks).
struct list_networks {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_networks&) {
  return f(caf::meta::type_name("list_networks"));
}

/// Store writer -> store: writes up to `seq` are committed.
struct writes_durable {
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, writes_durable& x) {
  return f(caf::meta::type_name("writes_durable"), x.seq);
}

using store_actor = caf::typed_actor<
  caf::replies_to<create_instances>::with<instance_list>,
  caf::reacts_to<instance_update>, caf::reacts_to<instance_deleted>,
  caf::replies_to<get_instance>::with<instance>,
  caf::replies_to<find_instances>::with<instance_list>,
  caf::replies_to<change_security_group>::with<instance>,
  caf::replies_to<list_instances>::with<instance_list>,
  caf::replies_to<edit_instance>::with<instance>,
  caf::replies_to<begin_task>::with<task_begun>,
  caf::replies_to<set_locked>::with<instance>,
  caf::replies_to<change_metadata>::with<instance>,
  caf::reacts_to<record_action>,
  caf::replies_to<get_actions>::with<action_list>,
  caf::replies_to<get_usage>::with<project_usage>,
  caf::reacts_to<subscribe_transitions>,
  caf::replies_to<sync_store>::with<store_synced>,
  caf::replies_to<save_flavor>::with<store_synced>,
  caf::replies_to<drop_flavor>::with<store_synced>,
  caf::replies_to<save_aggregate>::with<store_synced>,
  caf::replies_to<drop_aggregate>::with<store_synced>,
  caf::replies_to<save_keypair>::with<store_synced>,
  caf::replies_to<drop_keypair>::with<store_synced>,
  caf::replies_to<save_quotas>::with<store_synced>,
  caf::replies_to<drop_project_quotas>::with<store_synced>,
  caf::replies_to<save_security_groups>::with<store_synced>,
  caf::replies_to<save_host_status>::with<store_synced>,
  caf::replies_to<save_host_forced_down>::with<store_synced>,
  caf::replies_to<save_server_group>::with<store_synced>,
  caf::replies_to<drop_server_group>::with<store_synced>,
  caf::reacts_to<writes_durable>, caf::reacts_to<host_report>,
  caf::replies_to<allocate_network>::with<network_info>,
  caf::reacts_to<release_network>,
  caf::replies_to<list_networks>::with<network_list>>;

} // namespace vmforge
