#pragma once

#include <caf/fwd.hpp>

#include "actors/compute/compute_actor.hpp"
#include "images/image_service.hpp"

namespace vmforge {

/// Spawns a worker that runs one image_job against `svc` and tells `owner`
/// how it ended (image_job_done), then ends. `detached`: on a thread of its
/// own, as every image service call blocks (an upload of gigabytes); not
/// detached, it runs on the scheduler, where CAF's test coordinator runs
/// it too (tests with a fake image service). Never linked: a failure is an
/// answer, not an exit of its compute manager.
image_worker_actor spawn_image_worker(caf::local_actor* parent,
                                      images::image_service_ptr svc,
                                      compute_actor owner, bool detached);

/// Runs `job` against `svc` where the caller is (what the worker does).
image_job_done run_image_job(images::image_service& svc, const image_job& job);

} // namespace vmforge
