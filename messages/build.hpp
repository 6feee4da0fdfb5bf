#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/driver.hpp"
#include "messages/instance.hpp"

// The build pipeline's messages, named after Nova's calls between the
// conductor, the scheduler and the compute managers.
namespace vmforge {

/// API handler -> conductor: one accepted instance to build. The image is
/// named by id: compute hosts resolve it in their catalog (Nova's compute
/// asks the image service), which keeps the copies every in-flight build
/// leaves in the conductor and compute manager small.
struct build_request {
  std::string instance_id;
  /// instances.id: the hypervisor names the instance after it.
  int64_t db_id = 0;
  std::string instance_name;
  std::string project_id;
  flavor flavor_;
  std::string image_id;
  std::string availability_zone;
  /// The create request's id: build events are recorded under it.
  std::string request_id;
  /// Hosts already tried (a build resumed after a restart): they count as
  /// failed attempts and are not tried again.
  std::vector<std::string> tried_hosts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_request& x) {
  return f(caf::meta::type_name("build_request"), x.instance_id,
           x.db_id, x.instance_name, x.project_id, x.flavor_, x.image_id,
           x.availability_zone, x.request_id, x.tried_hosts);
}

/// The build of an instance row, under its create request's id.
inline build_request build_of(const instance& row, std::string request_id) {
  return build_request{row.id,       row.db_id,    row.name,
                       row.project_id, row.flavor_, row.image_id,
                       row.availability_zone, std::move(request_id), {}};
}

/// Why a build resumed after a restart failed on the host it was on.
inline std::string interrupted_build(const std::string& id,
                                     const std::string& host) {
  return "Build of instance " + id + " was interrupted on " + host
         + " by a restart of vmforged.";
}

/// What the scheduler needs to place one instance (Nova's RequestSpec).
struct request_spec {
  std::string instance_id;
  std::string project_id;
  resources need;
  std::string availability_zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_spec& x) {
  return f(caf::meta::type_name("request_spec"), x.instance_id, x.project_id,
           x.need, x.availability_zone);
}

/// Conductor -> scheduler. `ignore_hosts` are the hosts already tried.
struct select_destinations {
  request_spec spec;
  std::vector<std::string> ignore_hosts;
  int32_t num_alternates = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_destinations& x) {
  return f(caf::meta::type_name("select_destinations"), x.spec,
           x.ignore_hosts, x.num_alternates);
}

/// The chosen host (already claimed) plus unclaimed alternates, best first.
struct host_selection {
  std::string instance_id;
  std::string host;
  std::vector<std::string> alternates;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_selection& x) {
  return f(caf::meta::type_name("host_selection"), x.instance_id, x.host,
           x.alternates);
}

/// Conductor -> scheduler: claim an alternate before rescheduling onto it.
struct claim_host {
  request_spec spec;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_host& x) {
  return f(caf::meta::type_name("claim_host"), x.spec, x.host);
}

struct host_claimed {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_claimed& x) {
  return f(caf::meta::type_name("host_claimed"), x.instance_id, x.host);
}

/// Give back whatever the scheduler holds for an instance.
struct release_claim {
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_claim& x) {
  return f(caf::meta::type_name("release_claim"), x.instance_id);
}

/// Overcommit factors (Nova's *_allocation_ratio).
struct allocation_ratios {
  double cpu = 16.0;
  double ram = 1.5;
  double disk = 1.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocation_ratios& x) {
  return f(caf::meta::type_name("allocation_ratios"), x.cpu, x.ram, x.disk);
}

/// Compute manager -> scheduler: registration and periodic heartbeat.
struct host_report {
  std::string host;
  std::string availability_zone;
  resources capacity;
  allocation_ratios ratios;
  bool enabled = true;
  /// Only in the first report after a start: the instances the host holds
  /// (as the store has them), so a scheduler that starts with the process
  /// counts them again.
  std::vector<std::string> held_ids;
  std::vector<resources> held;
  /// Why the host cannot reach its hypervisor (empty: it can). Such a host
  /// takes no builds until the driver reconnects.
  std::string hypervisor_down;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_report& x) {
  return f(caf::meta::type_name("host_report"), x.host, x.availability_zone,
           x.capacity, x.ratios, x.enabled, x.held_ids, x.held,
           x.hypervisor_down);
}

/// Conductor -> compute manager. `attempt` numbers the dispatches of one
/// build so that a late answer from an earlier attempt is recognised.
struct build_and_run {
  build_request req;
  std::string host;
  uint32_t attempt = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_and_run& x) {
  return f(caf::meta::type_name("build_and_run"), x.req, x.host, x.attempt);
}

/// Compute manager -> conductor.
struct build_result {
  std::string instance_id;
  std::string host;
  uint32_t attempt = 0;
  bool ok = false;
  bool retryable = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_result& x) {
  return f(caf::meta::type_name("build_result"), x.instance_id, x.host,
           x.attempt, x.ok, x.retryable, x.reason);
}

/// API handler -> conductor: the user deleted the instance. `host` is the
/// host the store had for it (empty when it never reached one).
struct delete_request {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_request& x) {
  return f(caf::meta::type_name("delete_request"), x.instance_id, x.host);
}

/// API handler -> conductor -> compute manager of `host`: run a power
/// action on an instance whose task_state is already set.
struct instance_action {
  std::string instance_id;
  std::string host;
  driver_call call = driver_call::power_off;
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_action& x) {
  return f(caf::meta::type_name("instance_action"), x.instance_id, x.host,
           x.call, x.request_id);
}

/// Conductor -> compute manager: cancel a build or destroy an instance.
struct terminate_instance {
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, terminate_instance& x) {
  return f(caf::meta::type_name("terminate_instance"), x.instance_id);
}

/// Compute manager -> conductor: nothing of the instance is left on the host.
struct instance_terminated {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_terminated& x) {
  return f(caf::meta::type_name("instance_terminated"), x.instance_id,
           x.host);
}

} // namespace vmforge
