#pragma once

#include <string>
#include <vector>

#include "messages/instance.hpp"

// A compute host's registration and heartbeat (Nova's compute node and
// service records), sent to the scheduler and the store.
namespace vmforge {

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
  /// As its driver names it: "fake", "QEMU", "TEST".
  std::string hypervisor_type;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_report& x) {
  return f(caf::meta::type_name("host_report"), x.host, x.availability_zone,
           x.capacity, x.ratios, x.enabled, x.held_ids, x.held,
           x.hypervisor_down, x.hypervisor_type);
}

/// Cluster registry -> conductor and scheduler: the compute process that
/// served `host` is gone (died, lost its link, or was replaced by a new
/// incarnation). Its builds in flight count as failed attempts there; the
/// scheduler places nothing on it until it reports again.
struct compute_offline {
  std::string host;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, compute_offline& x) {
  return f(caf::meta::type_name("compute_offline"), x.host, x.reason);
}

} // namespace vmforge
