#pragma once

#include <caf/fwd.hpp>

#include "actors/conductor/conductor_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "config/options.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

struct conductor_config {
  int32_t max_attempts = 3;
  int64_t instance_build_timeout_s = 600;
  int64_t build_timeout_check_ms = 1000;
  scheduler_actor scheduler;
  store_actor store;
  metrics::registry_ptr metrics;
  /// How long the conductor waits for the scheduler to answer
  /// select_destinations or claim_host (Nova's rpc_response_timeout).
  int64_t scheduler_timeout_s = 60;
};

/// The conductor: owns every build from acceptance to its end. It asks the
/// scheduler for a host, sends the build there, reschedules a retryable
/// failure (next alternate, then the scheduler again without the hosts
/// tried) up to max_attempts, puts the instance in ERROR with Nova's fault
/// otherwise, lets a delete win at any phase, and enforces
/// instance_build_timeout. A selection the scheduler does not answer within
/// scheduler_timeout_s ends the build in ERROR; an unanswered claim counts
/// as refused.
conductor_actor spawn_conductor(caf::actor_system& sys, conductor_config cfg);

} // namespace vmforge
