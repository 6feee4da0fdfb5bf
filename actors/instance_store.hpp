#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces.hpp"
#include "store/instance_repository.hpp"

namespace vmforge {

/// The one actor that owns the instance rows: every state transition of the
/// pipeline reaches the repository through it, and observers subscribed to
/// it see each transition as it is applied.
store_actor spawn_instance_store(caf::actor_system& sys,
                                 std::shared_ptr<instance_repository> repo);

} // namespace vmforge
