#pragma once

#include <caf/fwd.hpp>

#include "actors/compute/compute_actor.hpp"
#include "actors/compute/image_cache_actor.hpp"
#include "actors/compute/compute_metrics.hpp"
#include "actors/conductor/conductor_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "config/options.hpp"
#include "drivers/driver.hpp"
#include "images/image_service.hpp"

namespace vmforge {

struct compute_config {
  /// Capacity already resolved (zero fields filled from the driver).
  host_config host;
  int32_t max_concurrent_builds = 10;
  int64_t report_interval_s = 10;
  driver_ptr drv;
  /// The host's own image service: its image cache downloads with it,
  /// snapshots are uploaded and shelved snapshots deleted through it (on
  /// image workers only).
  images::image_service_ptr image_service;
  /// [DEFAULT] instances_path: the image cache is in its
  /// image_cache.subdirectory_name.
  std::string instances_path = "var/instances";
  image_cache_options image_cache;
  /// How long a build waits for its image's base file (a download
  /// included), seconds: [DEFAULT] instance_build_timeout (0: no limit).
  int64_t image_timeout_s = 600;
  conductor_actor conductor;
  scheduler_actor scheduler;
  store_actor store;
  supervisor_actor supervisor;
  compute_metrics metrics;
  /// Where a snapshot's flattened disk waits for its upload (Nova's
  /// [libvirt] snapshots_directory, $instances_path/snapshots).
  std::string snapshot_dir = "var/instances/snapshots";
  /// [DEFAULT] shelved_offload_time and shelved_poll_interval, seconds.
  int64_t shelved_offload_time_s = 0;
  int64_t shelved_poll_interval_s = 3600;
  /// Driver and image workers on threads of their own; tests under CAF's
  /// test coordinator, which runs only scheduled actors, turn it off.
  bool detach_workers = true;
};

/// Spawns the compute manager of one host, monitored by `parent` (its
/// supervisor). It claims resources, runs at most max_concurrent_builds
/// builds at once (queueing the rest), drives the hypervisor through its
/// driver workers and restarts any worker that dies. It owns the host's
/// image cache (actors/compute/image_cache.hpp), which every build asks
/// for its image's base file before the spawn, and runs the image cache
/// manager every [image_cache] manager_interval. It runs the
/// host's part of createImage and shelve (instance_operation): the task
/// states in Nova's order through the store, the disk flattened on a
/// driver worker, the upload on an image worker, an offload freeing the
/// host's claim.
compute_actor spawn_compute_manager(caf::local_actor* parent,
                                    compute_config cfg);

} // namespace vmforge
