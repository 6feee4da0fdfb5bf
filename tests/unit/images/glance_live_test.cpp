// The Glance client against a REAL Glance (Debian 12's Glance Zed, noauth):
// hidden cases, run by tests/integration/glance_client_test.py, which starts
// a private Glance (tests/integration/glance.py), makes the images these
// cases read and passes them in the environment:
//
//   GLANCE_URL          the glance-api endpoint (http://127.0.0.1:PORT)
//   GLANCE_IMAGE_FILE   the qcow2 (qemu-img create) uploaded as ...
//   GLANCE_ACTIVE_ID    ... an active public image, hw_disk_bus=virtio
//   GLANCE_CORRUPT_ID   an active image whose stored file was overwritten
//                       with other bytes of the same length
//   GLANCE_SHORT_ID     an active image whose stored file was truncated
//   GLANCE_VANISHED_ID  an active image whose stored file was removed
//   GLANCE_QUEUED_ID    an image without data
//   GLANCE_LIST_NAME    the name of GLANCE_LIST_COUNT images, more than
//                       Glance's page (limit_param_default)
//
//   build/bin/unit_tests "[glance-live]"
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

#include "images/glance_image_service.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/live_env.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/digest.hpp"

using namespace vmforge;
using namespace vmforge::images;

namespace {

std::string env(const char* name) {
  return test::live_env(name, "tests/integration/glance_client_test.py");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

glance_options live(std::vector<std::string> servers = {}) {
  glance_options o;
  o.api_servers = servers.empty() ? std::vector<std::string>{env("GLANCE_URL")}
                                  : std::move(servers);
  o.num_retries = 1;
  o.timeout_s = 30;
  return o;
}

glance_tuning quick() {
  glance_tuning t;
  t.retry_delay = std::chrono::milliseconds{100};
  return t;
}

const image_auth admin{"", "admin", "admin", true};
const image_auth alice{"", "alice", "project-a", false};

template <class F>
image_errc error_of(F&& fn) {
  try {
    fn();
  } catch (const image_error& e) {
    INFO(e.what());
    return e.code();
  }
  FAIL("no image_error");
  return image_errc::http_error;
}

struct out_file {
  test::temp_dir dir;
  std::filesystem::path path = dir.path / "base.part";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ~out_file() {
    ::close(fd);
  }
};

} // namespace

TEST_CASE("live Glance: show and download an active image",
          "[.glance-live]") {
  glance_image_service svc{live(), {}, quick()};
  auto data = read_file(env("GLANCE_IMAGE_FILE"));
  auto img = svc.show(admin, env("GLANCE_ACTIVE_ID"));
  CHECK(img.status == "active");
  CHECK(img.size == static_cast<int64_t>(data.size()));
  CHECK(img.virtual_size == 64 * 1024 * 1024);
  CHECK(img.checksum == hex_digest(data, "MD5"));
  CHECK(img.os_hash_algo == "sha512");
  CHECK(img.os_hash_value == hex_digest(data, "SHA512"));
  CHECK(img.disk_format == "qcow2");
  CHECK(img.min_ram_mb == 512);
  CHECK(img.properties.at("hw_disk_bus") == "virtio");
  CHECK(img.properties.count("os_hidden") == 0);
  out_file out;
  auto r = svc.download(admin, img, out.fd);
  CHECK(r.bytes == static_cast<int64_t>(data.size()));
  CHECK(r.algo == "sha512");
  CHECK(read_file(out.path) == data);
  // Public: visible without a token to anyone.
  CHECK(svc.show(alice, img.id).id == img.id);
  // A dead server first in the cycle costs one retry, nothing more.
  glance_image_service two{live({"http://127.0.0.1:"
                                   + std::to_string(test::closed_port()),
                                 env("GLANCE_URL")}),
                           {}, quick()};
  for (int i = 0; i < 3; ++i)
    CHECK(two.show(admin, img.id).id == img.id);
}

TEST_CASE("live Glance: what a download does not accept", "[.glance-live]") {
  glance_image_service svc{live(), {}, quick()};
  out_file out;
  SECTION("corrupted bytes: checksum_mismatch") {
    auto img = svc.show(admin, env("GLANCE_CORRUPT_ID"));
    CHECK(error_of([&] { svc.download(admin, img, out.fd); })
          == image_errc::checksum_mismatch);
  }
  SECTION("a stored file shorter than the record: short_read") {
    auto img = svc.show(admin, env("GLANCE_SHORT_ID"));
    CHECK(error_of([&] { svc.download(admin, img, out.fd); })
          == image_errc::short_read);
  }
  SECTION("a stored file removed: 204, no_data") {
    auto img = svc.show(admin, env("GLANCE_VANISHED_ID"));
    CHECK(img.status == "active");
    CHECK(error_of([&] { svc.download(admin, img, out.fd); })
          == image_errc::no_data);
  }
  SECTION("a queued image: 204, no_data") {
    auto img = svc.show(admin, env("GLANCE_QUEUED_ID"));
    CHECK(img.status == "queued");
    CHECK(img.size == -1);
    CHECK(img.os_hash_value.empty());
    CHECK(error_of([&] { svc.download(admin, img, out.fd); })
          == image_errc::no_data);
  }
}

TEST_CASE("live Glance: list follows next links", "[.glance-live]") {
  glance_image_service svc{live(), {}, quick()};
  list_query q;
  q.name = env("GLANCE_LIST_NAME");
  auto found = svc.list(admin, q);
  CHECK(found.size() == std::stoul(env("GLANCE_LIST_COUNT")));
  for (auto& i : found)
    CHECK(i.name == q.name);
  q.limit = 2;
  CHECK(svc.list(admin, q).size() == 2);
  q = {};
  q.status = "queued";
  auto queued = svc.list(admin, q);
  CHECK(std::any_of(queued.begin(), queued.end(), [](const image& i) {
    return i.id == env("GLANCE_QUEUED_ID");
  }));
}

TEST_CASE("live Glance: a snapshot's life: create, update, upload, delete",
          "[.glance-live]") {
  glance_image_service svc{live(), {}, quick()};
  image_create req;
  req.name = "live-snapshot";
  req.properties = {{"image_type", "snapshot"},
                    {"owner_id", "project-a"},
                    {"instance_uuid", "8c1d7f3e-0000-4000-8000-00000000beef"}};
  req.min_ram_mb = 64;
  auto img = svc.create(alice, req);
  CHECK(img.status == "queued");
  CHECK(img.visibility == "private");
  CHECK(img.min_ram_mb == 64);
  CHECK(img.properties.at("image_type") == "snapshot");
  CHECK(img.disk_format.empty());
  // Another project does not see it (noauth: vmforge filters).
  const image_auth bob{"", "bob", "project-b", false};
  CHECK(error_of([&] { svc.show(bob, img.id); }) == image_errc::not_found);
  CHECK(svc.show(alice, img.id).id == img.id);

  image_update up;
  up.disk_format = "qcow2";
  up.container_format = "bare";
  up.properties = {{"image_location", "snapshot"}, {"image_state", "available"}};
  auto updated = svc.update(alice, img.id, up);
  CHECK(updated.disk_format == "qcow2");
  CHECK(updated.properties.at("image_state") == "available");

  auto file = env("GLANCE_IMAGE_FILE");
  auto data = read_file(file);
  int fd = ::open(file.c_str(), O_RDONLY);
  svc.upload(alice, img.id, fd, static_cast<int64_t>(data.size()));
  ::close(fd);
  auto active = svc.show(alice, img.id);
  CHECK(active.status == "active");
  CHECK(active.size == static_cast<int64_t>(data.size()));
  CHECK(active.os_hash_value == hex_digest(data, "SHA512"));
  // Properties may still change; the data may not (A.4).
  image_update later;
  later.properties = {{"os_distro", "cirros"}};
  CHECK(svc.update(alice, img.id, later).properties.at("os_distro") == "cirros");
  fd = ::open(file.c_str(), O_RDONLY);
  CHECK(error_of([&] {
          svc.upload(alice, img.id, fd, static_cast<int64_t>(data.size()));
        })
        == image_errc::conflict);
  ::close(fd);

  svc.remove(alice, img.id);
  CHECK(error_of([&] { svc.show(admin, img.id); }) == image_errc::not_found);
  CHECK(error_of([&] { svc.remove(admin, img.id); }) == image_errc::not_found);
}

TEST_CASE("live Glance: errors", "[.glance-live]") {
  glance_image_service svc{live(), {}, quick()};
  CHECK(error_of([&] { svc.show(admin, "cirros"); }) == image_errc::not_found);
  CHECK(error_of([&] {
          svc.show(admin, "00000000-0000-4000-8000-000000000000");
        })
        == image_errc::not_found);
  image_create bad;
  bad.name = "bad";
  bad.disk_format = "exe";
  bad.container_format = "bare";
  CHECK(error_of([&] { svc.create(admin, bad); }) == image_errc::bad_request);
  // A queued image's formats change; an unknown one is refused.
  image_update wrong;
  wrong.disk_format = "exe";
  CHECK(error_of([&] { svc.update(admin, env("GLANCE_QUEUED_ID"), wrong); })
        == image_errc::bad_request);
}

// Keystone mode (GLANCE_KEYSTONE_URL set by glance_client_test.py
// --keystone): the tempest harness's Keystone and Glance (flavor keystone).
//   GLANCE_KEYSTONE_URL  http://127.0.0.1:PORT/v3
//   GLANCE_USER_TOKEN    a token of the harness's admin (project admin)
// The service user is the harness's glance/glancepass in project service.
namespace {

glance_options with_service_user() {
  auto o = live();
  o.auth_type = "password";
  o.auth_url = env("GLANCE_KEYSTONE_URL");
  o.username = "glance";
  o.password = "glancepass";
  o.project_name = "service";
  return o;
}

} // namespace

TEST_CASE("live Glance with Keystone: the service user's token",
          "[.glance-keystone]") {
  glance_image_service svc{with_service_user(), {}, quick()};
  image_create req;
  req.name = "live-keystone";
  req.disk_format = "qcow2";
  req.container_format = "bare";
  req.properties = {{"image_type", "snapshot"}};
  auto img = svc.create(admin, req);
  CHECK(img.status == "queued");
  CHECK_FALSE(img.owner.empty()); // the service project, from the token
  auto file = env("GLANCE_IMAGE_FILE");
  auto data = read_file(file);
  int fd = ::open(file.c_str(), O_RDONLY);
  svc.upload(admin, img.id, fd, static_cast<int64_t>(data.size()));
  ::close(fd);
  auto active = svc.show(admin, img.id);
  CHECK(active.status == "active");
  out_file out;
  CHECK(svc.download(admin, active, out.fd).bytes
        == static_cast<int64_t>(data.size()));
  CHECK(read_file(out.path) == data);
  list_query q;
  q.name = "live-keystone";
  CHECK(svc.list(admin, q).size() == 1);

  // The caller's own token instead: Glance filters by it (the admin
  // project sees the service project's private image only as admin).
  const image_auth user{env("GLANCE_USER_TOKEN"), "admin", "admin", true};
  CHECK(svc.show(user, img.id).id == img.id);
  const image_auth forged{"not-a-token", "admin", "admin", true};
  CHECK(error_of([&] { svc.show(forged, img.id); })
        == image_errc::not_authorized);
  // Without any token, a keystone Glance refuses.
  glance_image_service anonymous{live(), {}, quick()};
  CHECK(error_of([&] { anonymous.show(admin, img.id); })
        == image_errc::not_authorized);
  // A wrong service password: Keystone refuses.
  auto wrong = with_service_user();
  wrong.password = "nope";
  glance_image_service refused{wrong, {}, quick()};
  CHECK(error_of([&] { refused.show(admin, img.id); })
        == image_errc::not_authorized);

  svc.remove(admin, img.id);
  CHECK(error_of([&] { svc.show(admin, img.id); }) == image_errc::not_found);
}
