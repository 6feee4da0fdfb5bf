#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/meta/type_name.hpp>

// An image as the image service describes it (Glance v2's image record,
// docs/images.md appendix A), whichever back end serves it: the embedded
// [image:*] catalog or a real Glance.
namespace vmforge {

struct image {
  std::string id;
  std::string name;
  /// The embedded catalog's file of the image (empty for Glance's images:
  /// compute hosts download them into their cache).
  std::string file;
  std::string disk_format = "qcow2";
  int64_t min_ram_mb = 0;
  int64_t min_disk_gb = 0;
  /// queued, saving, active, killed, deleted, pending_delete, deactivated,
  /// uploading, importing.
  std::string status = "active";
  std::string container_format = "bare";
  /// public, private, shared, community.
  std::string visibility = "public";
  /// The owning project (Glance's `owner`; empty when Glance has none).
  std::string owner;
  /// Bytes of the image's data; -1 while unknown (queued).
  int64_t size = -1;
  /// The guest-visible size of the disk; -1 while unknown.
  int64_t virtual_size = -1;
  /// md5 hex of the data (Glance's legacy `checksum`).
  std::string checksum;
  /// Glance's multihash: the algorithm ("sha512") and its hex value.
  std::string os_hash_algo;
  std::string os_hash_value;
  bool is_protected = false;
  /// Every other property as a string (hw_disk_bus, kernel_id, image_type,
  /// instance_uuid, base_image_ref, owner_id...).
  std::map<std::string, std::string> properties;
  /// ISO 8601, as Glance writes them ("2026-12-01T14:41:39Z").
  std::string created_at;
  std::string updated_at;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image& x) {
  return f(caf::meta::type_name("image"), x.id, x.name, x.file, x.disk_format,
           x.min_ram_mb, x.min_disk_gb, x.status, x.container_format,
           x.visibility, x.owner, x.size, x.virtual_size, x.checksum,
           x.os_hash_algo, x.os_hash_value, x.is_protected, x.properties,
           x.created_at, x.updated_at);
}

/// An active image of the embedded catalog: its id, name and file.
inline image make_image(std::string id, std::string name,
                        std::string file = {}) {
  image i;
  i.id = std::move(id);
  i.name = std::move(name);
  i.file = std::move(file);
  return i;
}

/// On whose behalf an image service call is made (Nova's RequestContext as
/// nova/image/glance.py uses it). An empty token means "no user token": a
/// Glance client then uses its service user's, or none (noauth).
struct image_auth {
  std::string token;
  std::string user_id;
  std::string project_id;
  bool is_admin = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_auth& x) {
  return f(caf::meta::type_name("image_auth"), x.token, x.user_id,
           x.project_id, x.is_admin);
}

} // namespace vmforge
