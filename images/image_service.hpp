#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "messages/image.hpp"

// The image service as vmforge uses it (Nova's nova/image/glance.py API):
// two back ends behind this one interface, the embedded [image:*] catalog
// and a Glance v2 client (docs/images.md). Every call may block (HTTP, disk,
// hashing): callers run them on detached actors or threads of their own,
// never on CAF's scheduler threads. Implementations are safe to call from
// several threads at once.
namespace vmforge::images {

/// How a call failed, as Nova's _translate_image_exception sorts Glance's
/// answers, plus the download's own failures.
enum class image_errc {
  not_found,         // 404: ImageNotFound
  not_authorized,    // 401/403: ImageNotAuthorized
  bad_request,       // 400: ImageBadRequest
  conflict,          // 409
  over_quota,        // 413: ImageQuotaExceeded
  connection_failed, // connect errors and 503 after num_retries: GlanceConnectionFailed
  http_error,        // any other status
  no_data,           // download answered 204: "Image has no associated data"
  checksum_mismatch, // the bytes' digest is not the record's
  short_read,        // the body ended before Content-Length
  io_error,          // the local file could not be read or written
};

/// The call's name as metrics and logs count it: show, list, download,
/// create, update, upload, delete.
class image_error : public std::runtime_error {
public:
  image_error(image_errc code, std::string call, std::string what,
              int status = 0)
    : std::runtime_error(std::move(what)),
      code_(code),
      call_(std::move(call)),
      status_(status) {
  }

  image_errc code() const noexcept {
    return code_;
  }
  const std::string& call() const noexcept {
    return call_;
  }
  /// The HTTP status, 0 when there was none.
  int status() const noexcept {
    return status_;
  }

private:
  image_errc code_;
  std::string call_;
  int status_;
};

/// Filters of `list` (Glance's query parameters; empty: not filtered).
struct list_query {
  std::string name;
  std::string status;
  std::string visibility;
  /// At most this many (0: all, following Glance's `next` links).
  size_t limit = 0;
};

/// What `download` wrote and the digest it checked.
struct download_result {
  int64_t bytes = 0;
  /// The algorithm checked ("sha512", or "md5" for a record with only a
  /// `checksum`) and the digest of the bytes written.
  std::string algo;
  std::string hex;
  double seconds = 0;
};

/// A new image record (Nova's compute_utils.create_image), queued until
/// its data is uploaded.
struct image_create {
  std::string name;
  /// Glance's `visibility`: Nova makes snapshots private (or shared).
  std::string visibility = "private";
  /// Empty for snapshots: the driver sets them with `update` before the
  /// upload, as Nova's libvirt driver does.
  std::string disk_format;
  std::string container_format;
  int64_t min_ram_mb = 0;
  int64_t min_disk_gb = 0;
  /// Custom properties, sent as strings (Glance refuses other types).
  std::map<std::string, std::string> properties;
};

/// A change to an image before or after its upload: the formats (only
/// while queued) and properties to set.
struct image_update {
  std::optional<std::string> disk_format;
  std::optional<std::string> container_format;
  std::map<std::string, std::string> properties;
};

class image_service {
public:
  virtual ~image_service() = default;

  /// The record of `id`, visible to `auth` (Glance filters by the token;
  /// without one the service applies Nova's _is_image_available).
  /// Throws image_error{not_found} for an unknown, deleted or invisible id.
  virtual image show(const image_auth& auth, const std::string& id) = 0;
  virtual std::vector<image> list(const image_auth& auth,
                                  const list_query& q) = 0;
  /// Streams the image's data into `fd` (never whole in memory), hashing
  /// as it goes, and checks the digest against the record's os_hash_value
  /// (else its md5 `checksum`). Throws image_error{no_data,
  /// checksum_mismatch, short_read, io_error, ...}; what was written to
  /// `fd` before a throw is the caller's to discard.
  virtual download_result download(const image_auth& auth, const image& img,
                                   int fd) = 0;
  virtual image create(const image_auth& auth, const image_create& req) = 0;
  virtual image update(const image_auth& auth, const std::string& id,
                       const image_update& req) = 0;
  /// Uploads `size` bytes read from `fd` as the data of queued image `id`,
  /// which becomes active.
  virtual void upload(const image_auth& auth, const std::string& id, int fd,
                      int64_t size) = 0;
  virtual void remove(const image_auth& auth, const std::string& id) = 0;
  /// Where clients find image `id` (createImage's Location header before
  /// 2.45: Nova's generate_image_url, "<glance endpoint>/images/<id>").
  virtual std::string image_url(const std::string& id) const = 0;
};

using image_service_ptr = std::shared_ptr<image_service>;

} // namespace vmforge::images
