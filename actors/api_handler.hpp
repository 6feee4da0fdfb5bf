#pragma once

#include <caf/fwd.hpp>

#include "config/options.hpp"
#include "messages/interfaces.hpp"

namespace vmforge {

struct api_config {
  options opts;
  store_actor store;
  conductor_actor conductor;
  scheduler_actor scheduler;
};

/// The API handler: validates a request, checks quota and records the
/// instances in BUILD/scheduling (in one step, in the store), answers, and
/// hands one build_request per instance to the conductor. Reads are
/// answered from the store with Nova's project isolation. It also owns the
/// quota limits (class defaults, per project, per user) and the keypairs.
api_actor spawn_api_handler(caf::actor_system& sys, api_config cfg);

} // namespace vmforge
