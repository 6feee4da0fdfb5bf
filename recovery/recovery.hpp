#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/store/store_actor.hpp"
#include "messages/build_request.hpp"
#include "messages/instance.hpp"

// What a start after a crash or a stop must do, decided from the rows the
// database held and what each hypervisor reports (Nova's init_host and
// _sync_instance_power_state, plus rescheduling of builds in flight).
// Deciding is pure; app/pipeline carries the plan out.
namespace vmforge {

/// One host's hypervisor as its driver reports it: domain -> power state.
using host_domains = std::map<std::string, power_state>;

struct recovery_plan {
  /// Ids of the rows changed in place (to be written back).
  std::vector<std::string> changed;
  /// Builds to hand the conductor again (rows reset to BUILD/scheduling).
  std::vector<build_request> rebuilds;
  /// The failed-attempt events of builds interrupted on a host.
  std::vector<record_action> events;
  /// Deletes to finish (task_state deleting): instance id -> host.
  std::vector<std::pair<std::string, std::string>> deletes;
  /// Interrupted power actions to run again: instance id -> host, call.
  std::vector<instance_action> actions;
  /// Domains no row accounts for: (host, instance id), to destroy.
  std::vector<std::pair<std::string, std::string>> orphans;
  /// Domains to power off (a SHUTOFF instance found running).
  std::vector<std::pair<std::string, std::string>> power_offs;
  /// One line per decision, for the log.
  std::vector<std::string> notes;
};

/// Decides the recovery of `rows` (changed in place) given the domains of
/// every configured host. `request_ids` maps an instance to the request id
/// of its latest action (build events are recorded under it).
recovery_plan plan_recovery(std::vector<instance>& rows,
                            const std::map<std::string, host_domains>& hosts,
                            const std::map<std::string, std::string>& request_ids);

} // namespace vmforge
