#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/conductor/conductor_actor.hpp"
#include "actors/image/image_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "config/options.hpp"
#include "store/records.hpp"

namespace vmforge {

/// How long the API handler waits for the store, the scheduler or the
/// image actor: below
/// the HTTP layer's own 60 s (http/compute/ask.hpp), so that a stuck actor
/// is a ServiceUnavailable answer (503), never a client left waiting.
constexpr std::chrono::seconds api_request_timeout{30};

struct api_config {
  /// Flavors come from `catalog`, not opts.flavors.
  options opts;
  store_actor store;
  conductor_actor conductor;
  scheduler_actor scheduler;
  /// The image service (actors/image/image_api.hpp): a create's image is
  /// asked of it, never read in place; createImage and shelve make their
  /// records through it, unshelve reads its snapshot (without it they are
  /// ServiceUnavailable).
  image_actor images;
  /// What the database held (or the defaults of a new one); the store
  /// writes every change of it.
  catalog_state catalog;
  /// Where clients find image `id` (createImage's Location before 2.45);
  /// empty: /images/<id> under no endpoint.
  std::function<std::string(const std::string&)> image_url{};
};

/// The API handler: validates a request, asks the image actor for its
/// image and checks it (image_checks.hpp), checks quota and records the
/// instances in BUILD/scheduling (in one step, in the store), answers, and
/// hands one build_request per instance, with the checked image and the
/// caller's image_auth, to the conductor. Reads are
/// answered from the store with Nova's project isolation. It also owns the
/// quota limits (class defaults, per project, per user), flavors, keypairs
/// and security groups, and answers a change of them once the store has it
/// on disk.
api_actor spawn_api_handler(caf::actor_system& sys, api_config cfg);

} // namespace vmforge
