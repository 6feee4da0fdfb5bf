#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "actors/image/image_actor.hpp"
#include "images/image_service.hpp"

// The controller's image actor (docs/images.md section 1): one dispatching
// actor in front of a pool of workers, each calling the process's
// images::image_service, which blocks (HTTP to Glance, files, hashing).
// Detached, every worker has a thread of its own, so no call ever occupies
// a CAF scheduler thread; the dispatcher hands a request to an idle worker
// or keeps it until one is free.
namespace vmforge {

/// How long a request may wait for a worker and run on it before the
/// dispatcher answers ServiceUnavailable itself: below the API handler's
/// 30 s (api_request_timeout), so that the handler hears this answer.
constexpr std::chrono::seconds image_request_timeout{25};

struct image_api_config {
  images::image_service_ptr service;
  /// [api] image_workers.
  size_t workers = 4;
  /// Off under CAF's test coordinator, which runs every actor itself.
  bool detached = true;
  caf::timespan timeout = image_request_timeout;
};

/// The pool: a dispatcher and `cfg.workers` workers linked to it (they
/// end with it).
image_actor spawn_image_api(caf::actor_system& sys, image_api_config cfg);

/// The dispatcher alone, in front of `workers` (not linked: tests bring
/// their own and watch each hop).
image_actor spawn_image_dispatcher(caf::actor_system& sys,
                                   std::vector<image_actor> workers,
                                   caf::timespan timeout = image_request_timeout);

/// One worker: answers each request by calling `service`, and an
/// images::image_error with Nova's error (image_failure). Not detached it
/// runs on the scheduler, as under the test coordinator.
image_actor spawn_image_worker(caf::actor_system& sys,
                               images::image_service_ptr service,
                               bool detached);

/// Nova's error for a failed image service call on image `id`
/// (nova/image/glance.py _translate_image_exception): 401/403
/// ImageNotAuthorized, 404 ImageNotFound, 400 ImageBadRequest, 413
/// ImageQuotaExceeded, connection errors GlanceConnectionFailed naming
/// `server`; 409 ImageDeleteConflict; anything else an internal error.
caf::error image_failure(const images::image_error& e, const std::string& id,
                         const std::string& server);

} // namespace vmforge
