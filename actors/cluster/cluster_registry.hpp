#pragma once

#include <caf/fwd.hpp>

#include "actors/cluster/cluster_actor.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

struct cluster_registry_config {
  conductor_actor conductor;
  scheduler_actor scheduler;
  store_actor store;
  metrics::registry_ptr metrics;
};

/// The controller's side of the cluster, the actor it publishes. It accepts
/// joins of compute processes of its protocol version (one live process
/// per host name), reconciles each joining host's rows with the domains
/// it reports (recovery/recovery.hpp, as Nova's init_host), and monitors
/// each compute's link: a compute that dies or whose link drops is
/// `compute_offline` to the conductor and the scheduler.
cluster_actor spawn_cluster_registry(caf::actor_system& sys,
                                     cluster_registry_config cfg);

} // namespace vmforge
