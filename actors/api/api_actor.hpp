#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/compute/compute_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "messages/action.hpp"
#include "messages/aggregate.hpp"
#include "messages/context.hpp"
#include "messages/deadline_tick.hpp"
#include "messages/instance.hpp"
#include "messages/network.hpp"
#include "messages/keypair.hpp"
#include "messages/server_group.hpp"
#include "messages/security_group.hpp"
#include "messages/usage.hpp"

// The API actor's protocol: what an HTTP request of the Compute API turns
// into once parsed, and the answers the resources render.
namespace vmforge {

/// POST /servers, after schema validation.
struct create_servers {
  request_context ctx;
  std::string name;
  std::string flavor_ref;
  std::string image_ref;
  std::string availability_zone;
  std::map<std::string, std::string> metadata;
  int64_t min_count = 1;
  int64_t max_count = 1;
  std::string access_ipv4;
  std::string access_ipv6;
  std::string disk_config = "MANUAL";
  std::string key_name;
  std::vector<std::string> security_groups{"default"};
  bool has_description = false;
  std::string description;
  /// `networks`: absent (before 2.37) and "auto" are automatic.
  network_request networks;
  /// Base64, as given.
  std::string user_data;
  bool config_drive = false;
  /// os:scheduler_hints, every value a list (Nova's RequestSpec form).
  std::map<std::string, std::vector<std::string>> scheduler_hints;
  /// 2.90: empty is the sanitized name.
  std::string hostname;
  /// 2.52.
  std::vector<std::string> tags;
  /// 2.63.
  std::vector<std::string> trusted_certs;
  /// os:scheduler_hints' group: the server group the servers join.
  std::string group;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_servers& x) {
  return f(caf::meta::type_name("create_servers"), x.ctx, x.name, x.flavor_ref,
           x.image_ref, x.availability_zone, x.metadata, x.min_count,
           x.max_count, x.access_ipv4, x.access_ipv6, x.disk_config,
           x.key_name, x.security_groups, x.has_description, x.description,
           x.networks, x.user_data, x.config_drive, x.scheduler_hints,
           x.hostname, x.tags, x.trusted_certs, x.group);
}

struct servers_created {
  std::string reservation_id;
  std::vector<std::string> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, servers_created& x) {
  return f(caf::meta::type_name("servers_created"), x.reservation_id, x.ids);
}

/// DELETE /servers/{id}.
struct delete_server {
  request_context ctx;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_server& x) {
  return f(caf::meta::type_name("delete_server"), x.ctx, x.id);
}

/// The answer to a request that was accepted and goes on asynchronously.
struct accepted {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, accepted& x) {
  return f(caf::meta::type_name("accepted"), x.id);
}

/// GET /servers/{id}.
struct show_server {
  request_context ctx;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, show_server& x) {
  return f(caf::meta::type_name("show_server"), x.ctx, x.id);
}

/// GET /servers[/detail]. `deleted` (admins only, as Nova's filter) lists
/// the deleted servers kept; `with_deleted` adds them (changes-since).
/// Admins' `tenant_id` (or `project_id`, with all_tenants) and `host`
/// filters; Nova drops them for others.
struct list_servers {
  request_context ctx;
  bool all_tenants = false;
  bool deleted = false;
  bool with_deleted = false;
  std::string tenant_id{};
  std::string host{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_servers& x) {
  return f(caf::meta::type_name("list_servers"), x.ctx, x.all_tenants,
           x.deleted, x.with_deleted, x.tenant_id, x.host);
}

/// PUT /servers/{id}: the change (only its flagged fields) of a server the
/// caller may see.
struct update_server {
  request_context ctx;
  edit_instance change;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_server& x) {
  return f(caf::meta::type_name("update_server"), x.ctx, x.change);
}

/// POST /servers/{id}/action: os-start, os-stop, reboot, pause, unpause,
/// suspend, resume, lock, unlock.
struct server_action {
  request_context ctx;
  std::string id;
  std::string action;
  bool hard = false; // reboot type HARD
  std::string locked_reason; // lock (2.73); empty: none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_action& x) {
  return f(caf::meta::type_name("server_action"), x.ctx, x.id, x.action,
           x.hard, x.locked_reason);
}

/// POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}}: the
/// last `length` lines of the server's console log (-1: all of it).
struct console_request {
  request_context ctx;
  std::string id;
  int64_t length = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_request& x) {
  return f(caf::meta::type_name("console_request"), x.ctx, x.id, x.length);
}

/// POST /servers/{id}/action {"createImage": ...} or {"createBackup":
/// ...} (with `backup`), after schema validation.
struct create_image {
  request_context ctx;
  std::string id;
  std::string name;
  std::map<std::string, std::string> metadata;
  /// Before 2.39 the metadata counts against the metadata_items quota
  /// (Nova's check_img_metadata_properties_quota).
  bool check_metadata_quota = true;
  /// createBackup's type and rotation; keep < 0: a createImage.
  backup_rotation backup{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_image& x) {
  return f(caf::meta::type_name("create_image"), x.ctx, x.id, x.name,
           x.metadata, x.check_metadata_quota, x.backup);
}

/// The snapshot's image (queued) and where clients find it (the Location
/// header before 2.45: Nova's generate_image_url).
struct image_created {
  std::string image_id;
  std::string location;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_created& x) {
  return f(caf::meta::type_name("image_created"), x.image_id, x.location);
}

/// /servers/{id}/tags[/{tag}] (2.26): list, add one, replace all, delete
/// one, delete all.
enum class tag_op : uint8_t { list, add, replace, remove, remove_all };

struct server_tags {
  request_context ctx;
  std::string id;
  tag_op op = tag_op::list;
  std::vector<std::string> tags; // add, remove: one; replace: the new set
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_tags& x) {
  return f(caf::meta::type_name("server_tags"), x.ctx, x.id, x.op, x.tags);
}

struct tag_list {
  std::vector<std::string> tags;
  bool created = false; // an add of a tag the server did not have
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tag_list& x) {
  return f(caf::meta::type_name("tag_list"), x.tags, x.created);
}

enum class shelve_op : uint8_t { shelve, offload, unshelve };

/// POST /servers/{id}/action shelve, shelveOffload, unshelve.
struct shelve_server {
  request_context ctx;
  std::string id;
  shelve_op op = shelve_op::shelve;
  /// unshelve from 2.77: {"availability_zone": ...}.
  bool set_zone = false;
  std::string zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shelve_server& x) {
  return f(caf::meta::type_name("shelve_server"), x.ctx, x.id, x.op,
           x.set_zone, x.zone);
}

/// Which flavors an admin asks for (GET /flavors?is_public=...); others
/// always see the public ones and those their project has access to.
enum class flavor_visibility : uint8_t {
  public_only,
  private_only,
  all,
};

struct list_flavors {
  request_context ctx;
  flavor_visibility visibility = flavor_visibility::public_only;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_flavors& x) {
  return f(caf::meta::type_name("list_flavors"), x.ctx, x.visibility);
}

struct flavor_list {
  std::vector<flavor> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flavor_list& x) {
  return f(caf::meta::type_name("flavor_list"), x.items);
}

/// POST /flavors (admin); an empty id gets a UUID.
struct create_flavor {
  request_context ctx;
  flavor flavor_;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_flavor& x) {
  return f(caf::meta::type_name("create_flavor"), x.ctx, x.flavor_);
}

/// DELETE /flavors/{id} (admin).
struct delete_flavor {
  request_context ctx;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_flavor& x) {
  return f(caf::meta::type_name("delete_flavor"), x.ctx, x.id);
}

/// os-flavor-extra-specs' writes, os-flavor-access and the description's
/// update (2.55) of one flavor (admin).
enum class flavor_op : uint8_t {
  add_extra_specs,   // POST os-extra_specs: merged into the flavor's
  update_extra_spec, // PUT os-extra_specs/{key}
  delete_extra_spec, // DELETE os-extra_specs/{key}
  list_access,
  add_access,
  remove_access,
  update_description,
};

struct flavor_request {
  request_context ctx;
  flavor_op op = flavor_op::list_access;
  std::string id;
  std::map<std::string, std::string> extra_specs;
  /// The extra spec's key, or the project of an access change.
  std::string key;
  std::string description;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flavor_request& x) {
  return f(caf::meta::type_name("flavor_request"), x.ctx, x.op, x.id,
           x.extra_specs, x.key, x.description);
}

/// The flavor after the change, and the projects with access to it.
struct flavor_access {
  flavor flavor_;
  std::vector<std::string> projects;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flavor_access& x) {
  return f(caf::meta::type_name("flavor_access"), x.flavor_, x.projects);
}

/// os-aggregates (admin).
enum class aggregate_op : uint8_t {
  list,
  show,
  create,
  update,
  remove,
  add_host,
  remove_host,
  set_metadata,
};

struct aggregate_request {
  request_context ctx;
  aggregate_op op = aggregate_op::list;
  int64_t id = 0;
  /// create; update if set_name.
  bool set_name = false;
  std::string name;
  /// create (empty: no zone); update if set_zone.
  bool set_zone = false;
  std::string zone;
  std::string host;
  /// set_metadata: keys to set, and keys to delete (a null value).
  std::map<std::string, std::string> metadata;
  std::vector<std::string> unset;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, aggregate_request& x) {
  return f(caf::meta::type_name("aggregate_request"), x.ctx, x.op, x.id,
           x.set_name, x.name, x.set_zone, x.zone, x.host, x.metadata,
           x.unset);
}

/// os-availability-zone: the zones and the compute hosts of each (with
/// their service's state), and the controller's own internal zone.
struct list_zones {
  request_context ctx;
  bool detail = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_zones& x) {
  return f(caf::meta::type_name("list_zones"), x.ctx, x.detail);
}

struct zone_info {
  std::string name;
  bool available = true;
  /// detail only: the zone's enabled hosts.
  std::vector<host_view> hosts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, zone_info& x) {
  return f(caf::meta::type_name("zone_info"), x.name, x.available, x.hosts);
}

struct zone_list {
  std::vector<zone_info> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, zone_list& x) {
  return f(caf::meta::type_name("zone_list"), x.items);
}

/// GET /limits: the project's quota and what it uses.
struct get_limits {
  request_context ctx;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_limits& x) {
  return f(caf::meta::type_name("get_limits"), x.ctx);
}

struct project_limits {
  int64_t max_instances = 0;
  int64_t max_cores = 0;
  int64_t max_ram_mb = 0;
  int64_t max_metadata_items = 0;
  int64_t instances_used = 0;
  int64_t cores_used = 0;
  int64_t ram_mb_used = 0;
  int64_t security_groups_used = 0;
  int64_t max_server_groups = 0;
  int64_t max_server_group_members = 0;
  int64_t server_groups_used = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, project_limits& x) {
  return f(caf::meta::type_name("project_limits"), x.max_instances,
           x.max_cores, x.max_ram_mb, x.max_metadata_items, x.instances_used,
           x.cores_used, x.ram_mb_used, x.security_groups_used,
           x.max_server_groups, x.max_server_group_members,
           x.server_groups_used);
}

enum class metadata_op : uint8_t {
  list,       // GET .../metadata
  replace,    // PUT .../metadata
  merge,      // POST .../metadata
  show_key,   // GET .../metadata/{key}
  set_key,    // PUT .../metadata/{key}
  delete_key, // DELETE .../metadata/{key}
};

/// /servers/{id}/metadata[/{key}].
struct server_metadata {
  request_context ctx;
  std::string id;
  metadata_op op = metadata_op::list;
  std::string key;
  std::map<std::string, std::string> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_metadata& x) {
  return f(caf::meta::type_name("server_metadata"), x.ctx, x.id, x.op, x.key,
           x.items);
}

struct metadata_items {
  std::map<std::string, std::string> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metadata_items& x) {
  return f(caf::meta::type_name("metadata_items"), x.items);
}

enum class security_group_op : uint8_t {
  list,
  show,
  create,
  remove,
  create_rule,
  remove_rule,
  update,
};

struct security_group_request {
  request_context ctx;
  security_group_op op = security_group_op::list;
  int64_t id = 0; // group (show, remove, update) or rule (remove_rule)
  security_group_info group;
  security_group_rule_info rule;
  /// list: an admin's all_tenants (every project's groups).
  bool all_tenants = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        security_group_request& x) {
  return f(caf::meta::type_name("security_group_request"), x.ctx, x.op, x.id,
           x.group, x.rule, x.all_tenants);
}

/// os-server-groups, and the groups a server is in (2.71's server view).
enum class server_group_op : uint8_t {
  list,
  show,
  create,
  remove,
  of_server,
};

struct server_group_request {
  request_context ctx;
  server_group_op op = server_group_op::list;
  /// The group (show, remove) or the server (of_server).
  std::string id;
  /// What create makes: name, policy, rules.
  server_group group;
  /// list: an admin's all_projects; Nova's limit (below 0: none), offset.
  bool all_projects = false;
  int64_t limit = -1;
  int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_group_request& x) {
  return f(caf::meta::type_name("server_group_request"), x.ctx, x.op, x.id,
           x.group, x.all_projects, x.limit, x.offset);
}

/// os-quota-sets and os-quota-class-sets. An empty user_id means the
/// project's own set; `defaults` asks for the class defaults instead, a
/// `quota_class` for that class's values.
struct get_quota_set {
  request_context ctx;
  std::string project_id;
  std::string user_id;
  bool defaults = false;
  std::string quota_class;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_quota_set& x) {
  return f(caf::meta::type_name("get_quota_set"), x.ctx, x.project_id,
           x.user_id, x.defaults, x.quota_class);
}

struct update_quota_set {
  request_context ctx;
  std::string project_id;
  std::string user_id;
  /// An empty project_id with a class name updates the class (defaults).
  std::string quota_class;
  std::map<std::string, int64_t> values;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_quota_set& x) {
  return f(caf::meta::type_name("update_quota_set"), x.ctx, x.project_id,
           x.user_id, x.quota_class, x.values);
}

/// Back to the defaults for a project (and its users).
struct delete_quota_set {
  request_context ctx;
  std::string project_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_quota_set& x) {
  return f(caf::meta::type_name("delete_quota_set"), x.ctx, x.project_id);
}

struct quota_set_info {
  std::map<std::string, int64_t> limits;
  std::map<std::string, int64_t> in_use;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_set_info& x) {
  return f(caf::meta::type_name("quota_set_info"), x.limits, x.in_use);
}

/// os-hypervisors (admin only).
struct list_hypervisors {
  request_context ctx;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_hypervisors& x) {
  return f(caf::meta::type_name("list_hypervisors"), x.ctx);
}

struct hypervisor_info {
  int64_t id = 0;
  std::string host;
  bool up = true;
  bool enabled = true;
  std::string disabled_reason;
  /// hypervisor_type: "fake", "QEMU", "TEST".
  std::string type;
  resources capacity;
  resources used;
  /// (uuid, name) of the instances on the host.
  std::vector<std::pair<std::string, std::string>> servers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hypervisor_info& x) {
  return f(caf::meta::type_name("hypervisor_info"), x.id, x.host, x.up,
           x.enabled, x.disabled_reason, x.type, x.capacity, x.used,
           x.servers);
}

struct hypervisor_list {
  std::vector<hypervisor_info> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hypervisor_list& x) {
  return f(caf::meta::type_name("hypervisor_list"), x.items);
}

/// Import (public_key given, already validated and fingerprinted) or
/// record a generated one. The keypair requests' `user_id` (2.10, admins
/// only) names another user's; empty: the caller's.
struct create_keypair {
  request_context ctx;
  keypair kp;
  std::string user_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_keypair& x) {
  return f(caf::meta::type_name("create_keypair"), x.ctx, x.kp, x.user_id);
}

/// GET /os-networks: the networks a server may be created on (every
/// project sees the same flat networks).
struct get_networks {
  request_context ctx;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_networks& x) {
  return f(caf::meta::type_name("get_networks"), x.ctx);
}

/// An empty name lists the user's keypairs.
struct get_keypairs {
  request_context ctx;
  std::string name;
  std::string user_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_keypairs& x) {
  return f(caf::meta::type_name("get_keypairs"), x.ctx, x.name, x.user_id);
}

struct delete_keypair {
  request_context ctx;
  std::string name;
  std::string user_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_keypair& x) {
  return f(caf::meta::type_name("delete_keypair"), x.ctx, x.name, x.user_id);
}

/// GET /servers/{id}/os-instance-actions[/{request_id}].
/// `read_deleted`: from 2.21 a deleted instance's actions are listed too.
struct list_instance_actions {
  request_context ctx;
  std::string id;
  bool read_deleted = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        list_instance_actions& x) {
  return f(caf::meta::type_name("list_instance_actions"), x.ctx, x.id,
           x.read_deleted);
}

/// os-services (admin): the services, and disabling/enabling a compute.
struct list_services {
  request_context ctx;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_services& x) {
  return f(caf::meta::type_name("list_services"), x.ctx);
}

struct update_service {
  request_context ctx;
  std::string host;
  bool disabled = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_service& x) {
  return f(caf::meta::type_name("update_service"), x.ctx, x.host, x.disabled,
           x.reason);
}

/// PUT /os-services/force-down (2.11): sets or clears a compute's
/// forced_down.
struct force_down_service {
  request_context ctx;
  std::string host;
  bool forced_down = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, force_down_service& x) {
  return f(caf::meta::type_name("force_down_service"), x.ctx, x.host,
           x.forced_down);
}

/// GET /os-simple-tenant-usage[/{tenant_id}]: every tenant (admins) or
/// one (its own members or admins) over [start_us, stop_us), a page of
/// `limit` instances after `marker`.
struct get_tenant_usage {
  request_context ctx;
  usage_query query;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_tenant_usage& x) {
  return f(caf::meta::type_name("get_tenant_usage"), x.ctx, x.query);
}

/// One event of os-server-external-events; the answer sets its status
/// and code (200 accepted, 400 a tag missing, 404 no such server, 422 no
/// host).
struct server_event {
  std::string name;
  std::string server_uuid;
  std::string status = "completed";
  bool has_tag = false;
  std::string tag;
  int32_t code = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_event& x) {
  return f(caf::meta::type_name("server_event"), x.name, x.server_uuid,
           x.status, x.has_tag, x.tag, x.code);
}

/// POST /os-server-external-events (admins: Neutron, Cinder, Ironic);
/// answered with each event's status and code.
struct server_events {
  request_context ctx;
  std::vector<server_event> events;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_events& x) {
  return f(caf::meta::type_name("server_events"), x.ctx, x.events);
}

/// addSecurityGroup / removeSecurityGroup (a group's name or id) and,
/// with `list`, GET /servers/{id}/os-security-groups.
struct server_security_group_request {
  request_context ctx;
  std::string id;
  std::string name;
  bool add = false;
  bool list = false;
};

template <class Inspector>
typename Inspector::result_type
inspect(Inspector& f, server_security_group_request& x) {
  return f(caf::meta::type_name("server_security_group_request"), x.ctx, x.id,
           x.name, x.add, x.list);
}

/// GET /os-hosts/{host} (admins): the instances on a compute host.
struct host_instances {
  request_context ctx;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_instances& x) {
  return f(caf::meta::type_name("host_instances"), x.ctx, x.host);
}

/// Daemon -> API handler at shutdown: refuse new builds from now on (503).
struct refuse_builds {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refuse_builds&) {
  return f(caf::meta::type_name("refuse_builds"));
}

/// POST /servers/{id}/action {"os-resetState": {"state": ...}} (admins):
/// the vm_state set, the task cleared, whatever the server was doing.
struct reset_server_state {
  request_context ctx;
  std::string id;
  vm_state state = vm_state::active;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reset_server_state& x) {
  return f(caf::meta::type_name("reset_server_state"), x.ctx, x.id, x.state);
}

/// GET (clear false) or DELETE (clear true) /servers/{id}/os-server-password.
struct server_password_request {
  request_context ctx;
  std::string id;
  bool clear = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        server_password_request& x) {
  return f(caf::meta::type_name("server_password_request"), x.ctx, x.id,
           x.clear);
}

/// The encrypted password the metadata service took from the guest; empty
/// when there is none (or after a DELETE).
struct server_password {
  std::string password;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_password& x) {
  return f(caf::meta::type_name("server_password"), x.password);
}

using api_actor = caf::typed_actor<
  caf::replies_to<create_servers>::with<servers_created>,
  caf::replies_to<delete_server>::with<accepted>,
  caf::replies_to<show_server>::with<instance>,
  caf::replies_to<list_servers>::with<instance_list>,
  caf::replies_to<update_server>::with<instance>,
  caf::replies_to<server_action>::with<accepted>,
  caf::replies_to<console_request>::with<console_text>,
  caf::replies_to<create_image>::with<image_created>,
  caf::replies_to<shelve_server>::with<accepted>,
  caf::replies_to<server_metadata>::with<metadata_items>,
  caf::replies_to<server_tags>::with<tag_list>,
  caf::replies_to<security_group_request>::with<security_group_list>,
  caf::replies_to<server_group_request>::with<server_group_list>,
  caf::replies_to<list_flavors>::with<flavor_list>,
  caf::replies_to<create_flavor>::with<flavor>,
  caf::replies_to<list_instance_actions>::with<action_list>,
  caf::replies_to<get_tenant_usage>::with<usage_report>,
  caf::replies_to<server_events>::with<server_events>,
  caf::replies_to<server_security_group_request>::with<security_group_list>,
  caf::replies_to<host_instances>::with<instance_list>,
  caf::replies_to<list_services>::with<host_view_list>,
  caf::replies_to<update_service>::with<host_view_list>,
  caf::replies_to<force_down_service>::with<host_view_list>,
  caf::replies_to<delete_flavor>::with<accepted>,
  caf::replies_to<get_limits>::with<project_limits>,
  caf::replies_to<get_quota_set>::with<quota_set_info>,
  caf::replies_to<update_quota_set>::with<quota_set_info>,
  caf::replies_to<delete_quota_set>::with<accepted>,
  caf::replies_to<list_hypervisors>::with<hypervisor_list>,
  caf::replies_to<create_keypair>::with<keypair>,
  caf::replies_to<get_keypairs>::with<keypair_list>,
  caf::replies_to<get_networks>::with<network_list>,
  caf::replies_to<delete_keypair>::with<accepted>,
  caf::replies_to<refuse_builds>::with<accepted>,
  caf::replies_to<flavor_request>::with<flavor_access>,
  caf::replies_to<aggregate_request>::with<aggregate_list>,
  caf::replies_to<list_zones>::with<zone_list>,
  caf::replies_to<reset_server_state>::with<accepted>,
  caf::replies_to<server_password_request>::with<server_password>,
  caf::reacts_to<deadline_tick>>;

} // namespace vmforge
