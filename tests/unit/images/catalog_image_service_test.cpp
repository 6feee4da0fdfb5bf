#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "images/catalog_image_service.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/digest.hpp"

using namespace vmforge;
using namespace vmforge::images;

namespace {

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out << bytes;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

image configured(const std::filesystem::path& file) {
  image img;
  img.id = "img-1";
  img.name = "cirros";
  img.file = file.string();
  return img;
}

const image_auth alice{"", "alice", "project-a", false};
const image_auth bob{"", "bob", "project-b", false};

} // namespace

TEST_CASE("catalog images carry the digests of their files") {
  test::temp_dir dir;
  write_file(dir.path / "cirros.qcow2", "disk bytes");
  catalog_image_service svc{{configured(dir.path / "cirros.qcow2")},
                            (dir.path / "snapshots").string()};
  auto img = svc.show(alice, "img-1");
  CHECK(img.status == "active");
  CHECK(img.size == 10);
  CHECK(img.checksum == hex_digest("disk bytes", "MD5"));
  CHECK(img.os_hash_algo == "sha512");
  CHECK(img.os_hash_value == hex_digest("disk bytes", "SHA512"));
  CHECK_THROWS_AS(svc.show(alice, "nope"), image_error);
  CHECK(svc.list(alice, {}).size() == 1);
  CHECK(svc.list(alice, list_query{"other", "", "", 0}).empty());
}

TEST_CASE("a catalog download streams the file and checks its digest") {
  test::temp_dir dir;
  auto file = dir.path / "cirros.qcow2";
  write_file(file, "disk bytes");
  catalog_image_service svc{{configured(file)},
                            (dir.path / "snapshots").string()};
  auto img = svc.show(alice, "img-1");
  auto out = dir.path / "base";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT, 0644);
  auto r = svc.download(alice, img, fd);
  ::close(fd);
  CHECK(r.bytes == 10);
  CHECK(r.hex == img.os_hash_value);
  CHECK(read_file(out) == "disk bytes");
  // The file changed behind the catalog: the digest no longer matches.
  write_file(file, "disk bytez");
  fd = ::open(out.c_str(), O_WRONLY | O_TRUNC);
  try {
    svc.download(alice, img, fd);
    FAIL("no checksum mismatch");
  } catch (const image_error& e) {
    CHECK(e.code() == image_errc::checksum_mismatch);
  }
  ::close(fd);
}

TEST_CASE("a missing catalog file is created as a blank disk") {
  if (std::system("qemu-img --version >/dev/null 2>&1") != 0)
    return; // qemu-utils is a dependency; without it the image is queued
  test::temp_dir dir;
  auto file = dir.path / "images" / "blank.qcow2";
  catalog_image_service svc{{configured(file)},
                            (dir.path / "snapshots").string()};
  CHECK(std::filesystem::exists(file));
  CHECK(read_file(file).substr(0, 4) == "QFI\xfb");
  CHECK(svc.show(alice, "img-1").status == "active");
}

TEST_CASE("snapshots are created, uploaded, kept across restarts, removed") {
  test::temp_dir dir;
  auto snaps = (dir.path / "snapshots").string();
  std::string id;
  {
    catalog_image_service svc{{}, snaps, "http://127.0.0.1:8774/v2"};
    image_create req;
    req.name = "snap";
    req.properties = {{"image_type", "snapshot"}};
    auto img = svc.create(alice, req);
    id = img.id;
    CHECK(img.status == "queued");
    CHECK(img.owner == "project-a");
    CHECK(svc.image_url(id) == "http://127.0.0.1:8774/v2/images/" + id);
    // Private: another project does not see it.
    CHECK_THROWS_AS(svc.show(bob, id), image_error);
    image_update up;
    up.disk_format = "qcow2";
    up.container_format = "bare";
    svc.update(alice, id, up);
    write_file(dir.path / "data", "snapshot bytes");
    int fd = ::open((dir.path / "data").c_str(), O_RDONLY);
    svc.upload(alice, id, fd, 14);
    ::close(fd);
    // Formats are fixed once the data is there.
    CHECK_THROWS_AS(svc.update(alice, id, up), image_error);
  }
  catalog_image_service again{{}, snaps};
  auto img = again.show(alice, id);
  CHECK(img.status == "active");
  CHECK(img.size == 14);
  CHECK(img.disk_format == "qcow2");
  CHECK(img.properties.at("image_type") == "snapshot");
  CHECK(img.os_hash_value == hex_digest("snapshot bytes", "SHA512"));
  again.remove(alice, id);
  CHECK_THROWS_AS(again.show(alice, id), image_error);
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path{snaps} / id));
}

TEST_CASE("configured images cannot be changed or removed") {
  test::temp_dir dir;
  write_file(dir.path / "f", "x");
  catalog_image_service svc{{configured(dir.path / "f")},
                            (dir.path / "snapshots").string()};
  CHECK_THROWS_AS(svc.remove(alice, "img-1"), image_error);
  CHECK_THROWS_AS(svc.update(alice, "img-1", {}), image_error);
}

TEST_CASE("without a token, images are visible as Nova's _is_image_available says") {
  image img;
  img.visibility = "private";
  img.owner = "project-a";
  CHECK(image_available(alice, img));
  CHECK_FALSE(image_available(bob, img));
  CHECK(image_available(image_auth{"", "root", "x", true}, img));
  img.owner.clear();
  img.properties["owner_id"] = "project-b";
  CHECK(image_available(bob, img));
  img.visibility = "public";
  CHECK(image_available(alice, img));
}

TEST_CASE("two catalogs on one snapshot directory see each other's snapshots "
          "(a controller and its compute processes)") {
  test::temp_dir dir;
  auto snapshots = (dir.path / "snapshots").string();
  catalog_image_service controller{{}, snapshots};
  catalog_image_service compute{{}, snapshots};
  image_create req;
  req.name = "snap";
  req.properties = {{"image_type", "snapshot"}};
  auto made = controller.create(alice, req);
  // The compute process did not know it at its start.
  image_update u;
  u.disk_format = "qcow2";
  u.container_format = "bare";
  CHECK(compute.update(alice, made.id, u).disk_format == "qcow2");
  auto data = dir.path / "data";
  write_file(data, "QFI\xfb snapshot");
  int fd = ::open(data.c_str(), O_RDONLY);
  compute.upload(alice, made.id, fd, 13);
  ::close(fd);
  // The controller reads the active record and its file again.
  auto seen = controller.show(alice, made.id);
  CHECK(seen.status == "active");
  CHECK(seen.disk_format == "qcow2");
  CHECK(seen.size == 13);
  CHECK(seen.file == snapshots + "/" + made.id);
  CHECK(read_file(seen.file) == "QFI\xfb snapshot");
  // A delete in one is a delete in the other.
  compute.remove(alice, made.id);
  CHECK_THROWS_AS(controller.show(alice, made.id), image_error);
}

TEST_CASE("a catalog lists as Glance does: newest first, then by id "
          "descending, `limit` of them") {
  test::temp_dir dir;
  write_file(dir.path / "a.qcow2", "a");
  std::vector<image> imgs;
  for (auto id : {"3f8b", "8d1a", "0aaa"}) {
    auto img = configured(dir.path / "a.qcow2");
    img.id = id;
    imgs.push_back(img);
  }
  // No file, and not a format the catalog makes blank disks of: queued.
  imgs[2].file = (dir.path / "missing.iso").string();
  imgs[2].disk_format = "iso";
  catalog_image_service svc{imgs, (dir.path / "snapshots").string()};
  auto all = svc.list(alice, {});
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == "8d1a");
  CHECK(all[1].id == "3f8b");
  CHECK(all[2].id == "0aaa");
  auto two = svc.list(alice, list_query{"", "", "", 2});
  REQUIRE(two.size() == 2);
  CHECK(two[1].id == "3f8b");
  auto queued = svc.list(alice, list_query{"", "queued", "", 0});
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].id == "0aaa");
}
