#pragma once

#include <caf/fwd.hpp>

#include "actors/compute/image_cache_actor.hpp"
#include "images/image_service.hpp"

namespace vmforge {

/// Spawns a worker of an image cache, linked to it, on its own thread
/// (`detached`): downloads, digests and qemu-img never occupy a CAF
/// scheduler thread. Not detached, it runs on the scheduler, where CAF's
/// test coordinator runs it too (as driver workers do).
///
/// A fetch_base takes the directory's file lock of that base (Nova's
/// external lock in instances_path/locks, held by every cache sharing the
/// directory), finds the base already there or downloads it into
/// `<base>.part` (O_CREAT|O_EXCL), checks it with `qemu-img info` (the
/// format must be the record's disk_format, no backing file, no data
/// file), converts formats other than qcow2 and raw to qcow2 through
/// `<base>.converted`, fsyncs and renames it to the base. Any failure
/// removes the temporary files.
image_cache_worker_actor
spawn_image_cache_worker(caf::local_actor* parent,
                         images::image_service_ptr service, bool detached);

/// What fetch_base does, on the calling thread (the worker's).
base_fetched fetch_base_file(images::image_service& service,
                             const fetch_base& job);

} // namespace vmforge
