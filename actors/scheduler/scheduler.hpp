#pragma once

#include <caf/fwd.hpp>

#include "actors/scheduler/host_selector.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

/// The scheduler actor: host state fed by compute managers' reports,
/// selection (filters, weighers, claim) on request. It times selections and
/// sets vmforge_compute_host_up whenever `metrics` is collected.
scheduler_actor spawn_scheduler(caf::actor_system& sys, host_selector selector,
                                metrics::registry_ptr metrics);

} // namespace vmforge
