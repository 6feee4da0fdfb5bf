#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "images/image_service.hpp"

namespace vmforge::images {

/// The embedded image service: the [image:*] sections of vmforge's own
/// file, plus the images that createImage and shelve make, kept as a data
/// file and a JSON record each in `snapshot_dir` (so they survive a
/// restart). What `make run` uses: a machine needs no Glance.
///
/// An [image:*] file that does not exist is created as a blank qcow2 (or
/// raw) disk of 64 MiB, logged, so that the embedded defaults boot on a
/// fresh machine; the digests of every file are computed once, here.
class catalog_image_service : public image_service {
public:
  /// `public_url`: the image endpoint clients see (image_url's prefix).
  catalog_image_service(std::vector<image> configured, std::string snapshot_dir,
                        std::string public_url = {});

  image show(const image_auth& auth, const std::string& id) override;
  std::vector<image> list(const image_auth& auth, const list_query& q) override;
  download_result download(const image_auth& auth, const image& img,
                           int fd) override;
  image create(const image_auth& auth, const image_create& req) override;
  image update(const image_auth& auth, const std::string& id,
               const image_update& req) override;
  void upload(const image_auth& auth, const std::string& id, int fd,
              int64_t size) override;
  void remove(const image_auth& auth, const std::string& id) override;
  std::string image_url(const std::string& id) const override;

private:
  struct entry {
    image record;
    /// From the configuration: never deleted or changed through the API.
    bool configured = false;
  };

  /// The entry of `id` if `auth` may see it; throws not_found otherwise.
  /// A snapshot is read again from its JSON record: another process on
  /// the same instances_path may have made, changed or deleted it.
  entry& visible(const image_auth& auth, const std::string& id,
                 const char* call);
  /// Reads the snapshot record of `id` from disk into images_; false if
  /// there is none (any more).
  bool reload(const std::string& id);
  void save(const image& record);
  std::string data_file(const std::string& id) const;
  std::string record_file(const std::string& id) const;

  std::string snapshot_dir_;
  std::string public_url_;
  mutable std::mutex mtx_;
  std::map<std::string, entry> images_;
};

/// Nova's _is_image_available for a context without a token: admins see
/// everything; others public and community images, their project's, and
/// images whose owner_id/project_id/user_id property names them.
bool image_available(const image_auth& auth, const image& img);

/// Reads `in` to its end in chunks, writing each to `out` (-1: nowhere)
/// and hashing it with sha512 and md5: what a download or an upload checks.
struct file_digest {
  int64_t bytes = 0;
  std::string sha512;
  std::string md5;
};
file_digest copy_and_hash(int in, int out, const char* call);

} // namespace vmforge::images
