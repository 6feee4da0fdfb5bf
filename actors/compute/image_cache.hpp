#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/compute/image_cache_actor.hpp"
#include "images/image_service.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

struct image_cache_config {
  /// The compute host the cache serves (logs).
  std::string host;
  /// Where base files live: instances_path/[image_cache] subdirectory_name.
  std::string dir;
  /// Nova's lock_path of the cache, instances_path/locks: one lock file
  /// per base, which every cache sharing `dir` takes around a download.
  std::string lock_dir;
  images::image_service_ptr service;
  /// [image_cache] download_workers: downloads of different images at once.
  int32_t download_workers = 2;
  /// [image_cache] remove_unused_base_images.
  bool remove_unused_base_images = true;
  /// [image_cache] remove_unused_original_minimum_age_seconds.
  int64_t remove_unused_original_minimum_age_s = 86400;
  /// A download running longer is given up (its waiters fail, retryable,
  /// and its worker is abandoned); 0: no limit.
  int64_t download_timeout_s = 600;
  /// How long a lookup_image may take on the lookup worker.
  int64_t lookup_timeout_s = 60;
  /// Workers on threads of their own; off under CAF's test coordinator.
  bool detach_workers = true;
  std::shared_ptr<metrics::image_cache_metrics> metrics;
  /// Unix seconds now: file times and ages are measured with it (tests
  /// inject their own). Empty: the system clock.
  std::function<int64_t()> clock;
};

/// The name of image `id`'s base file: the sha1 hex of the id, as Nova's
/// imagecache.get_cache_fname.
std::string base_file_name(const std::string& image_id);

/// Spawns the image cache of one host, linked to `parent` (its compute
/// manager). At start it creates its directory, deletes the *.part and
/// *.converted files no download holds (a previous process's) and takes
/// the bases it finds as present, their mtime as their last use.
///
/// ensure_base answers at once for a present base (a hit, which touches
/// the file); joins a running download (a wait); or starts one on a
/// worker (a miss). One download per image at a time, at most
/// download_workers at once; every waiter gets the same answer, and a
/// failed download is forgotten (the next request tries again).
image_cache_actor spawn_image_cache(caf::local_actor* parent,
                                    image_cache_config cfg);

/// The same, linked to nothing (tests).
image_cache_actor spawn_image_cache(caf::actor_system& sys,
                                    image_cache_config cfg);

} // namespace vmforge
