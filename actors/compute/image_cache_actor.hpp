#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/image.hpp"

// The per-host image cache's protocol (Nova's libvirt imagebackend cache
// and ImageCacheManager, docs/images.md section 5): the compute manager
// asks its host's cache for an image's base file, which the cache
// downloads once into instances_path/_base on a worker of its own.
namespace vmforge {

/// Compute manager -> image cache: the base file of `img`, downloaded with
/// `auth` if the host has none yet. Answered with a base_image.
struct ensure_base {
  image img;
  image_auth auth;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ensure_base& x) {
  return f(caf::meta::type_name("ensure_base"), x.img, x.auth);
}

/// The answer of ensure_base: the base file and its format (qcow2 or
/// raw), or why there is none. A failed download is `retryable` (another
/// host may succeed, and this one forgets the failure); an image qemu-img
/// refuses (ImageUnacceptable) is not.
struct base_image {
  std::string image_id;
  std::string path;
  std::string format;
  bool ok = false;
  bool retryable = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, base_image& x) {
  return f(caf::meta::type_name("base_image"), x.image_id, x.path, x.format,
           x.ok, x.retryable, x.reason);
}

/// Compute manager -> image cache: the record of image `id` (a build
/// resumed after a restart carries none), asked of the image service on
/// the cache's lookup worker. Errors: image_not_found, or the service's
/// failure as a runtime_error.
struct lookup_image {
  image_auth auth;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lookup_image& x) {
  return f(caf::meta::type_name("lookup_image"), x.auth, x.id);
}

/// Compute manager -> image cache: one pass of the image cache manager.
/// The bases of `in_use` (image ids of the host's instances) are touched;
/// with `remove`, every other base unused for [image_cache]
/// remove_unused_original_minimum_age_seconds is deleted (if
/// remove_unused_base_images), never one a download or a waiter needs.
struct manage_image_cache {
  std::vector<std::string> in_use;
  bool remove = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, manage_image_cache& x) {
  return f(caf::meta::type_name("manage_image_cache"), x.in_use, x.remove);
}

/// What one pass did.
struct image_cache_pass {
  /// File names (under the base directory) removed.
  std::vector<std::string> removed;
  int64_t bases = 0;
  int64_t bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_cache_pass& x) {
  return f(caf::meta::type_name("image_cache_pass"), x.removed, x.bases,
           x.bytes);
}

/// The compute manager's timer of the image cache manager
/// ([image_cache] manager_interval).
struct image_cache_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_cache_tick&) {
  return f(caf::meta::type_name("image_cache_tick"));
}

/// What the cache holds (tests, diagnostics).
struct get_image_cache {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_image_cache&) {
  return f(caf::meta::type_name("get_image_cache"));
}

struct cached_base {
  /// The base's file name: the sha1 hex of the image id (Nova's
  /// get_cache_fname).
  std::string file;
  /// Empty for a base found on disk and not asked for since.
  std::string image_id;
  /// present or downloading.
  std::string state;
  /// Unix seconds.
  int64_t last_used = 0;
  int64_t waiters = 0;
  int64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cached_base& x) {
  return f(caf::meta::type_name("cached_base"), x.file, x.image_id, x.state,
           x.last_used, x.waiters, x.size);
}

struct image_cache_state {
  std::string dir;
  std::vector<cached_base> bases;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_cache_state& x) {
  return f(caf::meta::type_name("image_cache_state"), x.dir, x.bases);
}

/// Image cache -> its worker: download `img` into `dir`/`file` (through
/// `file`.part, checked, converted if needed, renamed), under the file lock
/// `lock` that every cache sharing the directory takes.
struct fetch_base {
  image img;
  image_auth auth;
  std::string dir;
  std::string file;
  std::string lock;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_base& x) {
  return f(caf::meta::type_name("fetch_base"), x.img, x.auth, x.dir, x.file,
           x.lock);
}

/// The worker's answer.
struct base_fetched {
  std::string file;
  bool ok = false;
  bool retryable = true;
  std::string reason;
  /// The download's result as vmforge_image_downloads_total counts it
  /// (ok, checksum_mismatch, no_data, http_error, io_error, unacceptable).
  std::string result;
  /// False when the base was there once the lock was taken (another cache
  /// sharing the directory fetched it): no download was made.
  bool downloaded = false;
  int64_t bytes = 0;
  double seconds = 0;
  std::string algo;
  /// The base's size on disk.
  int64_t size = 0;
  std::string format;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, base_fetched& x) {
  return f(caf::meta::type_name("base_fetched"), x.file, x.ok, x.retryable,
           x.reason, x.result, x.downloaded, x.bytes, x.seconds, x.algo,
           x.size, x.format);
}

/// Runs the image service's blocking calls (spawned detached).
using image_cache_worker_actor = caf::typed_actor<
  caf::replies_to<fetch_base>::with<base_fetched>,
  caf::replies_to<lookup_image>::with<image>>;

/// One per compute host, owned by its compute manager.
using image_cache_actor = caf::typed_actor<
  caf::replies_to<ensure_base>::with<base_image>,
  caf::replies_to<lookup_image>::with<image>,
  caf::replies_to<manage_image_cache>::with<image_cache_pass>,
  caf::replies_to<get_image_cache>::with<image_cache_state>>;

} // namespace vmforge
