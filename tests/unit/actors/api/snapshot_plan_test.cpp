#include <catch2/catch.hpp>

#include "actors/api/snapshot_plan.hpp"

using namespace vmforge;

namespace {

instance server() {
  instance row;
  row.id = "i-1";
  row.project_id = "p";
  row.user_id = "owner";
  row.image_id = "img";
  row.flavor_ = flavor{"1", "m1.tiny", 1, 512, 5, 0, 0, true, false, {}, {}};
  return row;
}

request_context caller(std::string project = "p") {
  return request_context{"u", std::move(project), false, "req-1", "tok"};
}

image source() {
  auto img = make_image("img", "cirros");
  img.min_ram_mb = 256;
  img.min_disk_gb = 1;
  img.properties = {{"hw_disk_bus", "virtio"},
                    {"img_signature", "sig"},
                    {"cinder_encryption_key_id", "k"},
                    {"os_glance_importing_to_stores", "x"},
                    {"os_distro", "cirros"}};
  return img;
}

} // namespace

TEST_CASE("snapshot_plan: Nova's properties of a snapshot, the source's "
          "inheritable ones, then the request's metadata",
          "[snapshot_plan]") {
  auto src = source();
  auto rec = snapshot_image(server(), caller(), "snap",
                            {{"purpose", "backup"}}, &src);
  CHECK(rec.name == "snap");
  CHECK(rec.visibility == "private");
  CHECK(rec.auth.token == "tok");
  CHECK(rec.auth.project_id == "p");
  auto& p = rec.properties;
  CHECK(p.at("image_type") == "snapshot");
  CHECK(p.at("instance_uuid") == "i-1");
  CHECK(p.at("user_id") == "u"); // the caller, as Nova's context.user_id
  CHECK(p.at("base_image_ref") == "img");
  CHECK(p.at("owner_id") == "p");
  CHECK(p.at("hw_disk_bus") == "virtio");
  CHECK(p.at("os_distro") == "cirros");
  CHECK(p.at("purpose") == "backup");
  CHECK(p.count("img_signature") == 0);
  CHECK(p.count("cinder_encryption_key_id") == 0);
  CHECK(p.count("os_glance_importing_to_stores") == 0);
  CHECK(p.count("instance_owner") == 0);
  CHECK(rec.min_ram_mb == 256);
  // min_disk is at least the flavor's root disk, as Nova records it.
  CHECK(rec.min_disk_gb == 5);
}

TEST_CASE("snapshot_plan: another project's snapshot is shared with the "
          "instance's owner",
          "[snapshot_plan]") {
  auto rec = snapshot_image(server(), caller("admin-project"), "s", {},
                            nullptr);
  CHECK(rec.visibility == "shared");
  CHECK(rec.properties.at("instance_owner") == "p");
  CHECK(rec.properties.at("owner_id") == "p");
  CHECK(rec.min_ram_mb == 0);
  CHECK(rec.min_disk_gb == 5);
}

TEST_CASE("snapshot_plan: the base image is the one the instance was built "
          "from, and metadata may override any property",
          "[snapshot_plan]") {
  auto row = server();
  row.system_metadata["image_base_image_ref"] = "original";
  CHECK(base_image_ref(row) == "original");
  auto rec = snapshot_image(row, caller(), "s", {{"image_type", "mine"}},
                            nullptr);
  CHECK(rec.properties.at("base_image_ref") == "original");
  CHECK(rec.properties.at("image_type") == "mine");
  CHECK(base_image_ref(server()) == "img");
}
