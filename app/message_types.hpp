#pragma once

#include <caf/fwd.hpp>

namespace vmforge {

/// Registers every message type (app/type_ids.hpp) and our error
/// categories with an actor system configuration.
void register_messages(caf::actor_system_config& cfg);

} // namespace vmforge
