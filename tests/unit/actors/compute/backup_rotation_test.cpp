#include <catch2/catch.hpp>

#include <memory>

#include "actors/compute/backup_rotation.hpp"

using namespace vmforge;

namespace {

image backup(const std::string& id, const std::string& created,
             const std::string& type = "daily",
             const std::string& instance = "i-1") {
  image img;
  img.id = id;
  img.created_at = created;
  img.properties = {{"image_type", "backup"},
                    {"backup_type", type},
                    {"instance_uuid", instance}};
  return img;
}

// An image service that keeps records in memory and counts its deletes.
class memory_images : public images::image_service {
public:
  std::vector<image> records;
  std::vector<std::string> removed;
  std::string refuse; // an id whose delete fails

  image show(const image_auth&, const std::string& id) override {
    for (auto& r : records)
      if (r.id == id)
        return r;
    throw images::image_error(images::image_errc::not_found, "show", id);
  }
  std::vector<image> list(const image_auth&,
                          const images::list_query&) override {
    return records;
  }
  images::download_result download(const image_auth&, const image&,
                                   int) override {
    return {};
  }
  image create(const image_auth&, const images::image_create&) override {
    return {};
  }
  image update(const image_auth&, const std::string& id,
               const images::image_update&) override {
    return show({}, id);
  }
  void upload(const image_auth&, const std::string&, int, int64_t) override {}
  void remove(const image_auth&, const std::string& id) override {
    if (id == refuse)
      throw images::image_error(images::image_errc::io_error, "remove", id);
    removed.push_back(id);
  }
  std::string image_url(const std::string& id) const override {
    return "/images/" + id;
  }
};

} // namespace

TEST_CASE("backup_rotation: the oldest backups beyond the rotation go",
          "[backup_rotation]") {
  std::vector<image> all{backup("b1", "2026-12-01T10:00:00Z"),
                         backup("b3", "2026-12-01T12:00:00Z"),
                         backup("b2", "2026-12-01T11:00:00Z")};
  CHECK(backups_beyond(all, "i-1", "b3", {"daily", 2})
        == std::vector<std::string>{"b1"});
  CHECK(backups_beyond(all, "i-1", "b3", {"daily", 3}).empty());
  // Rotation 0: every one of them, the new one too.
  CHECK(backups_beyond(all, "i-1", "b3", {"daily", 0})
        == std::vector<std::string>{"b3", "b2", "b1"});
}

TEST_CASE("backup_rotation: only this instance's backups of this type count",
          "[backup_rotation]") {
  auto snapshot = backup("s", "2026-12-01T09:00:00Z");
  snapshot.properties["image_type"] = "snapshot";
  std::vector<image> all{backup("b1", "2026-12-01T10:00:00Z"),
                         backup("w1", "2026-12-01T10:00:00Z", "weekly"),
                         backup("o1", "2026-12-01T10:00:00Z", "daily", "i-2"),
                         snapshot, backup("b2", "2026-12-01T11:00:00Z")};
  CHECK(backups_beyond(all, "i-1", "b2", {"daily", 1})
        == std::vector<std::string>{"b1"});
}

TEST_CASE("backup_rotation: the new backup is the newest whatever its "
          "second",
          "[backup_rotation]") {
  // Within one second created_at ties: the upload just done stays.
  std::vector<image> all{backup("old", "2026-12-01T10:00:00Z"),
                         backup("new", "2026-12-01T10:00:00Z")};
  CHECK(backups_beyond(all, "i-1", "new", {"daily", 1})
        == std::vector<std::string>{"old"});
}

TEST_CASE("backup_rotation: rotate_backups deletes through the image "
          "service; a failed delete leaves the others going",
          "[backup_rotation]") {
  memory_images svc;
  svc.records = {backup("b1", "2026-12-01T10:00:00Z"),
                 backup("b2", "2026-12-01T11:00:00Z"),
                 backup("b3", "2026-12-01T12:00:00Z")};
  svc.refuse = "b2";
  auto deleted = rotate_backups(svc, {}, "i-1", "b3", {"daily", 1});
  CHECK(deleted == std::vector<std::string>{"b1"});
  CHECK(svc.removed == std::vector<std::string>{"b1"});
}
