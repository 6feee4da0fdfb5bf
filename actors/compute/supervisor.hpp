#pragma once

#include <map>
#include <string>

#include <caf/fwd.hpp>

#include "actors/compute/compute_actor.hpp"
#include "actors/compute/compute_manager.hpp"
#include "actors/conductor/conductor_actor.hpp"

namespace vmforge {

struct supervisor_config {
  /// One entry per host, ready to spawn (its supervisor field is filled in
  /// by the supervisor itself).
  std::vector<compute_config> computes;
  conductor_actor conductor;
  restart_counters restarts;
};

/// Spawns and monitors the compute managers. One that dies abnormally is
/// restarted at once; the conductor gets the new handle and hands back the
/// builds the dead one held. Counts restarts by actor kind, including the
/// driver worker restarts compute managers report.
supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_config cfg);

} // namespace vmforge
