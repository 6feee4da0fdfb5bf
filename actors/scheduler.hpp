#pragma once

#include <caf/fwd.hpp>

#include "actors/host_selector.hpp"
#include "messages/interfaces.hpp"

namespace vmforge {

/// The scheduler actor: host state fed by compute managers' reports,
/// selection (filters, weighers, claim) on request.
scheduler_actor spawn_scheduler(caf::actor_system& sys, host_selector selector);

} // namespace vmforge
