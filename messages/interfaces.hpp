#pragma once

#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/api.hpp"
#include "messages/build.hpp"
#include "messages/control.hpp"
#include "messages/driver.hpp"
#include "messages/store.hpp"

// The typed interfaces of the pipeline's actors: what each accepts and
// answers. Actors only ever hold these handles to one another.
namespace vmforge {

/// Runs blocking hypervisor calls on its own thread (spawned detached).
using driver_worker_actor = caf::typed_actor<caf::reacts_to<driver_op>>;

/// One per compute host: claims, build slots, driver workers.
using compute_actor = caf::typed_actor<
  caf::reacts_to<build_and_run>, caf::reacts_to<terminate_instance>,
  caf::reacts_to<instance_action>,
  caf::reacts_to<driver_reply>, caf::reacts_to<heartbeat_tick>,
  caf::reacts_to<hypervisor_event>,
  caf::replies_to<get_host_usage>::with<host_usage>>;

using scheduler_actor = caf::typed_actor<
  caf::replies_to<select_destinations>::with<host_selection>,
  caf::replies_to<claim_host>::with<host_claimed>,
  caf::reacts_to<release_claim>, caf::reacts_to<host_report>,
  caf::replies_to<set_host_status>::with<host_view_list>,
  caf::replies_to<get_host_views>::with<host_view_list>>;

using store_actor = caf::typed_actor<
  caf::replies_to<create_instances>::with<instance_list>,
  caf::reacts_to<instance_update>, caf::reacts_to<instance_deleted>,
  caf::replies_to<get_instance>::with<instance>,
  caf::replies_to<list_instances>::with<instance_list>,
  caf::replies_to<edit_instance>::with<instance>,
  caf::replies_to<begin_task>::with<instance>,
  caf::replies_to<set_locked>::with<instance>,
  caf::replies_to<change_metadata>::with<instance>,
  caf::reacts_to<record_action>,
  caf::replies_to<get_actions>::with<action_list>,
  caf::replies_to<get_usage>::with<project_usage>,
  caf::reacts_to<subscribe_transitions>,
  caf::replies_to<sync_store>::with<store_synced>,
  caf::reacts_to<writes_durable>, caf::reacts_to<host_report>>;

/// Supervisor -> conductor: the compute manager now serving `host` (after a
/// restart, the builds the old one held are handed back).
struct compute_online {
  std::string host;
  compute_actor handle;
  bool restarted = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, compute_online& x) {
  return f(caf::meta::type_name("compute_online"), x.host, x.handle,
           x.restarted, x.reason);
}

using conductor_actor = caf::typed_actor<
  caf::reacts_to<build_request>, caf::reacts_to<build_result>,
  caf::reacts_to<delete_request>, caf::reacts_to<instance_terminated>,
  caf::reacts_to<compute_online>, caf::reacts_to<timeout_tick>,
  caf::reacts_to<instance_action>,
  caf::replies_to<get_conductor_stats>::with<conductor_stats>>;

using supervisor_actor = caf::typed_actor<
  caf::reacts_to<actor_restarted>,
  caf::replies_to<get_restarts>::with<restart_counts>,
  caf::replies_to<get_compute>::with<compute_actor>>;

using api_actor = caf::typed_actor<
  caf::replies_to<create_servers>::with<servers_created>,
  caf::replies_to<delete_server>::with<accepted>,
  caf::replies_to<show_server>::with<instance>,
  caf::replies_to<list_servers>::with<instance_list>,
  caf::replies_to<update_server>::with<instance>,
  caf::replies_to<server_action>::with<accepted>,
  caf::replies_to<server_metadata>::with<metadata_items>,
  caf::replies_to<security_group_request>::with<security_group_list>,
  caf::replies_to<list_flavors>::with<flavor_list>,
  caf::replies_to<create_flavor>::with<flavor>,
  caf::replies_to<list_instance_actions>::with<action_list>,
  caf::replies_to<list_services>::with<host_view_list>,
  caf::replies_to<update_service>::with<host_view_list>,
  caf::replies_to<delete_flavor>::with<accepted>,
  caf::replies_to<list_images>::with<image_list>,
  caf::replies_to<get_limits>::with<project_limits>,
  caf::replies_to<get_quota_set>::with<quota_set_info>,
  caf::replies_to<update_quota_set>::with<quota_set_info>,
  caf::replies_to<delete_quota_set>::with<accepted>,
  caf::replies_to<list_hypervisors>::with<hypervisor_list>,
  caf::replies_to<create_keypair>::with<keypair>,
  caf::replies_to<get_keypairs>::with<keypair_list>,
  caf::replies_to<delete_keypair>::with<accepted>,
  caf::replies_to<refuse_builds>::with<accepted>>;

} // namespace vmforge
