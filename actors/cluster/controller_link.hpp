#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/cluster/cluster_actor.hpp"
#include "actors/compute/compute_manager.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

struct controller_link_config {
  /// The compute host this process serves, ready to spawn: its name,
  /// capacity, driver, images and metrics. The controller's handles are
  /// filled in at each join.
  compute_config compute;
  uint64_t incarnation = 0;
  /// Where CAF's middleman connects: the controller's cluster port, or in
  /// TLS mode the local end of the TLS gateway (always loopback, so that
  /// the middleman's blocking connect returns at once).
  std::string controller_host = "127.0.0.1";
  uint16_t controller_port = 8790;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds join_timeout{15000};
  /// The hypervisor's part of a join: listing its domains, then the
  /// destroys and power-offs the controller asks for (a power-off may
  /// wait shutdown_timeout for its guest).
  std::chrono::milliseconds hypervisor_timeout{600000};
  /// Back-off between attempts: from `retry_min`, doubling to `retry_max`.
  std::chrono::milliseconds retry_min{500};
  std::chrono::milliseconds retry_max{8000};
  metrics::registry_ptr metrics;
  restart_counters restarts;
  /// Called (on an actor thread) when joining can never succeed: the
  /// controller speaks another protocol. vmforged exits with code 2.
  std::function<void(const std::string& why)> on_incompatible;
};

/// The compute process's link to its controller. It connects through the
/// middleman actor with a timeout, joins, does what the join's
/// reconciliation asks of the hypervisor, and only then starts the host's
/// supervisor and compute manager with the controller's handles. When the
/// controller goes (down_msg), the compute manager goes with it and the
/// link tries again with back-off until a controller answers.
controller_link_actor spawn_controller_link(caf::actor_system& sys,
                                            controller_link_config cfg);

} // namespace vmforge
