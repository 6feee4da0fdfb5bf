#pragma once

#include <caf/fwd.hpp>

#include "actors/compute/compute_actor.hpp"
#include "drivers/driver.hpp"

namespace vmforge {

/// Spawns a driver worker on its own thread (detached), linked to its
/// compute manager: blocking hypervisor calls never occupy a CAF scheduler
/// thread. A driver exception ends the worker with the exception's text as
/// its exit reason, which the compute manager turns into a failed build.
driver_worker_actor spawn_driver_worker(caf::local_actor* parent,
                                        driver_ptr drv, compute_actor owner);

} // namespace vmforge
