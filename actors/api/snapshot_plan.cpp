#include "actors/api/snapshot_plan.hpp"

#include <algorithm>

namespace vmforge {

namespace {

// Nova's NON_INHERITABLE_IMAGE_PROPERTIES and _NAMESPACES.
bool inheritable(const std::string& key) {
  static const char* const never[] = {
    "cinder_encryption_key_id",     "cinder_encryption_key_deletion_policy",
    "img_signature",                "img_signature_hash_method",
    "img_signature_key_type",       "img_signature_certificate_uuid"};
  for (auto k : never)
    if (key == k)
      return false;
  return key.rfind("os_glance", 0) != 0;
}

} // namespace

std::string base_image_ref(const instance& row) {
  auto i = row.system_metadata.find("image_base_image_ref");
  return i != row.system_metadata.end() && !i->second.empty() ? i->second
                                                              : row.image_id;
}

image_new snapshot_image(const instance& row, const request_context& ctx,
                         const std::string& name,
                         const std::map<std::string, std::string>& metadata,
                         const image* source) {
  image_new out;
  out.auth = image_auth_of(ctx);
  out.name = name;
  if (source != nullptr) {
    for (auto& kv : source->properties)
      if (inheritable(kv.first))
        out.properties[kv.first] = kv.second;
    out.min_ram_mb = source->min_ram_mb;
    out.min_disk_gb = source->min_disk_gb;
  }
  // Nova keeps min_disk as max(image's, flavor's root_gb) from the build.
  out.min_disk_gb = std::max(out.min_disk_gb, row.flavor_.disk_gb);
  out.properties["instance_uuid"] = row.id;
  out.properties["user_id"] = ctx.user_id;
  out.properties["image_type"] = "snapshot";
  out.properties["base_image_ref"] = base_image_ref(row);
  // The libvirt driver's _create_snapshot_metadata sets it at upload; set
  // here too, so that the project sees its queued image without a token.
  out.properties["owner_id"] = row.project_id;
  if (ctx.project_id != row.project_id) {
    out.visibility = "shared";
    out.properties["instance_owner"] = row.project_id;
  } else {
    out.visibility = "private";
  }
  for (auto& kv : metadata)
    out.properties[kv.first] = kv.second;
  return out;
}

} // namespace vmforge
