#include "actors/compute/backup_rotation.hpp"

#include <algorithm>

#include "util/log.hpp"

namespace vmforge {

namespace {

bool property_is(const image& img, const std::string& key,
                 const std::string& value) {
  auto i = img.properties.find(key);
  return i != img.properties.end() && i->second == value;
}

} // namespace

std::vector<std::string> backups_beyond(const std::vector<image>& images,
                                        const std::string& instance_id,
                                        const std::string& new_image_id,
                                        const backup_rotation& rotation) {
  std::vector<const image*> backups;
  for (auto& img : images)
    if (property_is(img, "image_type", "backup")
        && property_is(img, "backup_type", rotation.type)
        && property_is(img, "instance_uuid", instance_id))
      backups.push_back(&img);
  // ISO 8601 times in one format sort as text; created_at has whole
  // seconds, so the one just uploaded is put first whatever its time.
  std::stable_sort(backups.begin(), backups.end(),
                   [&](const image* x, const image* y) {
                     auto x_new = x->id == new_image_id;
                     auto y_new = y->id == new_image_id;
                     if (x_new != y_new)
                       return x_new;
                     return x->created_at > y->created_at;
                   });
  std::vector<std::string> out;
  auto keep = static_cast<size_t>(std::max<int64_t>(rotation.keep, 0));
  for (size_t i = keep; i < backups.size(); ++i)
    out.push_back(backups[i]->id);
  return out;
}

std::vector<std::string> rotate_backups(images::image_service& svc,
                                        const image_auth& auth,
                                        const std::string& instance_id,
                                        const std::string& new_image_id,
                                        const backup_rotation& rotation) {
  auto doomed = backups_beyond(svc.list(auth, images::list_query{}),
                               instance_id, new_image_id, rotation);
  std::vector<std::string> deleted;
  for (auto& id : doomed) {
    try {
      svc.remove(auth, id);
      deleted.push_back(id);
    } catch (const images::image_error& e) {
      if (e.code() == images::image_errc::not_found) {
        deleted.push_back(id);
        continue;
      }
      log::warning("backup_rotation", "instance ", instance_id,
                   ": the backup ", id, " stays: ", e.what());
    }
  }
  log::info("backup_rotation", "instance ", instance_id, ": ",
            deleted.size(), " ", rotation.type, " backup(s) rotated out, ",
            rotation.keep, " kept at most");
  return deleted;
}

} // namespace vmforge
