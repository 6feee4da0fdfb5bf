#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "messages/instance.hpp"

namespace vmforge {

using steady_time = std::chrono::steady_clock::time_point;

/// Nova's aggregate_metadata_get_by_host: every key of the host's
/// aggregates with all their values (each split on ',' and stripped).
using aggregate_metadata = std::map<std::string, std::set<std::string>>;

/// The scheduler's live view of one compute host (Nova's HostState):
/// capacity before ratios, what is claimed, and liveness.
struct host_state {
  std::string name;
  /// The zone of its zone aggregate, else the one it reports (its
  /// configured zone).
  std::string availability_zone;
  std::string reported_zone;
  /// Its aggregates' metadata; null while it is in none (shared, as the
  /// state is copied for liveness at every report).
  std::shared_ptr<const aggregate_metadata> aggregates;
  resources capacity;
  resources used;
  allocation_ratios ratios;
  bool enabled = true;
  /// Disabled by an operator (os-services); reports do not undo it.
  bool admin_disabled = false;
  std::string disabled_reason;
  /// Forced down by an operator (os-services force-down, 2.11): the
  /// service is down whatever its heartbeats say, until an operator
  /// clears it (Nova's servicegroup is_up).
  bool forced_down = false;
  /// Why the host's driver cannot reach its hypervisor (empty: it can).
  std::string hypervisor_down;
  /// Why the host's compute process is gone (compute_offline; empty: it
  /// serves). It takes no builds until it reports again; os-services
  /// still says down only after service_down_time, as Nova's.
  std::string offline;
  /// As the host reports it (os-hypervisors).
  std::string hypervisor_type;
  steady_time last_seen{};
  int64_t claims = 0;

  int64_t free_ram_mb() const {
    return capacity.ram_mb - used.ram_mb;
  }
  int64_t free_disk_gb() const {
    return capacity.disk_gb - used.disk_gb;
  }
  double usable_vcpus() const {
    return static_cast<double>(capacity.vcpus) * ratios.cpu
           - static_cast<double>(used.vcpus);
  }
  double usable_ram_mb() const {
    return static_cast<double>(capacity.ram_mb) * ratios.ram
           - static_cast<double>(used.ram_mb);
  }
  double usable_disk_gb() const {
    return static_cast<double>(capacity.disk_gb) * ratios.disk
           - static_cast<double>(used.disk_gb);
  }
};

} // namespace vmforge
