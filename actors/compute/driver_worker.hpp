#pragma once

#include <caf/fwd.hpp>

#include "actors/compute/compute_actor.hpp"
#include "drivers/driver.hpp"

namespace vmforge {

/// Spawns a driver worker linked to its compute manager, on its own thread
/// (`detached`): blocking hypervisor calls never occupy a CAF scheduler
/// thread. Not detached, it runs on the scheduler, where CAF's test
/// coordinator runs it too. A driver exception ends the worker with the
/// exception's text as its exit reason, which the compute manager turns
/// into a failed build.
driver_worker_actor spawn_driver_worker(caf::local_actor* parent,
                                        driver_ptr drv, compute_actor owner,
                                        bool detached);

} // namespace vmforge
