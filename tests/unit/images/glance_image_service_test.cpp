#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "images/glance_image_service.hpp"
#include "images/image_services.hpp"
#include "metrics/registry.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/metric_sample.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_pki.hpp"
#include "util/digest.hpp"

using namespace vmforge;
using namespace vmforge::images;
using test::canned_http_server;
using test::canned_reply;
using test::json_reply;
using test::text_error;
namespace json = boost::json;

namespace {

const image_auth alice{"", "alice", "project-a", false};
const image_auth admin{"", "admin", "admin", true};
const image_auth with_token{"user-token", "alice", "project-a", false};

const std::string kId = "c4e552d2-0000-4000-8000-000000000001";

/// Glance's record (A.2/A.3) of an active image of `data`, plus `extra`
/// top-level keys.
json::object record(const std::string& id, const std::string& data,
                    json::object extra = {}) {
  json::object o = {
    {"id", id},
    {"name", "cirros-" + id.substr(0, 4)},
    {"status", "active"},
    {"visibility", "public"},
    {"protected", false},
    {"os_hidden", false},
    {"checksum", hex_digest(data, "MD5")},
    {"os_hash_algo", "sha512"},
    {"os_hash_value", hex_digest(data, "SHA512")},
    {"owner", nullptr},
    {"size", static_cast<int64_t>(data.size())},
    {"virtual_size", 67108864},
    {"min_ram", 512},
    {"min_disk", 1},
    {"disk_format", "qcow2"},
    {"container_format", "bare"},
    {"created_at", "2026-12-01T14:41:39Z"},
    {"updated_at", "2026-12-01T14:41:40Z"},
    {"tags", json::array{}},
    {"self", "/v2/images/" + id},
    {"file", "/v2/images/" + id + "/file"},
    {"schema", "/v2/schemas/image"}};
  for (auto& kv : extra)
    o[kv.key()] = kv.value();
  return o;
}

glance_options options_for(std::vector<std::string> servers,
                           int64_t retries = 3) {
  glance_options o;
  o.api_servers = std::move(servers);
  o.num_retries = retries;
  o.timeout_s = 5;
  return o;
}

glance_tuning quick() {
  glance_tuning t;
  t.retry_delay = std::chrono::milliseconds{0};
  t.seed = 42;
  return t;
}

/// (call, code) pairs an observer saw.
struct observed {
  std::mutex mtx;
  std::vector<std::pair<std::string, std::string>> seen;

  request_observer hook() {
    return [this](const std::string& call, const std::string& code, double s) {
      CHECK(s >= 0);
      std::lock_guard<std::mutex> guard{mtx};
      seen.emplace_back(call, code);
    };
  }
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>(in), {}};
}

/// The code of the image_error `fn` throws (fails if none).
template <class F>
image_errc error_of(F&& fn, std::string* what = nullptr) {
  try {
    fn();
  } catch (const image_error& e) {
    if (what)
      *what = e.what();
    return e.code();
  }
  FAIL("no image_error");
  return image_errc::http_error;
}

std::string header(const http::request& req, const char* name) {
  auto i = req.find(name);
  return i == req.end() ? std::string{} : std::string{i->value()};
}

/// A download into a fresh file of `dir`: the result, and the file.
struct download_to {
  test::temp_dir dir;
  std::filesystem::path file = dir.path / "base.part";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ~download_to() {
    ::close(fd);
  }
};

} // namespace

TEST_CASE("Glance's image records map to images, properties at top level",
          "[images][glance]") {
  auto active = record(kId, "disk bytes",
                       {{"hw_disk_bus", "virtio"},
                        {"owner_id", "project-a"},
                        {"odd_number", 3},
                        {"gone", nullptr},
                        // A Glance with enabled_backends (the harness's).
                        {"stores", "file"}});
  auto img = image_from_glance(json::serialize(active));
  CHECK(img.id == kId);
  CHECK(img.status == "active");
  CHECK(img.visibility == "public");
  CHECK(img.owner.empty());
  CHECK(img.size == 10);
  CHECK(img.virtual_size == 67108864);
  CHECK(img.min_ram_mb == 512);
  CHECK(img.min_disk_gb == 1);
  CHECK(img.checksum == hex_digest("disk bytes", "MD5"));
  CHECK(img.os_hash_algo == "sha512");
  CHECK(img.disk_format == "qcow2");
  CHECK(img.container_format == "bare");
  CHECK(img.created_at == "2026-12-01T14:41:39Z");
  CHECK(img.file.empty());
  // Every non-base key, as a string; base keys (tags, self, schema,
  // os_hidden...) never; nulls dropped.
  CHECK(img.properties
        == std::map<std::string, std::string>{{"hw_disk_bus", "virtio"},
                                              {"odd_number", "3"},
                                              {"owner_id", "project-a"}});
  // A queued snapshot record (A.2): nulls everywhere.
  auto queued = record(kId, "", {{"status", "queued"},
                                 {"size", nullptr},
                                 {"virtual_size", nullptr},
                                 {"checksum", nullptr},
                                 {"os_hash_algo", nullptr},
                                 {"os_hash_value", nullptr},
                                 {"disk_format", nullptr},
                                 {"container_format", nullptr},
                                 {"name", nullptr}});
  img = image_from_glance(json::serialize(queued));
  CHECK(img.status == "queued");
  CHECK(img.size == -1);
  CHECK(img.virtual_size == -1);
  CHECK(img.checksum.empty());
  CHECK(img.os_hash_value.empty());
  CHECK(img.disk_format.empty());
  CHECK(img.container_format.empty());
  CHECK(img.name.empty());
  CHECK(img.properties.empty());
  CHECK_THROWS_AS(image_from_glance("[1]"), std::invalid_argument);
  CHECK_THROWS_AS(image_from_glance("{\"name\": \"x\"}"), std::invalid_argument);
}

TEST_CASE("show, create, update, upload and delete speak Glance v2",
          "[images][glance]") {
  std::string uploaded;
  canned_http_server glance{[&](const http::request& req) -> canned_reply {
    auto t = std::string{req.target()};
    if (req.method_string() == "GET" && t == "/v2/images/" + kId)
      return json_reply(200, json::serialize(record(kId, "x")));
    if (req.method_string() == "POST" && t == "/v2/images") {
      auto body = json::parse(req.body()).as_object();
      auto rec = record(kId, "", {{"status", "queued"}});
      for (auto& kv : body)
        rec[kv.key()] = kv.value();
      auto r = json_reply(201, json::serialize(rec));
      r.headers.emplace_back("Location", "/v2/images/" + kId);
      return r;
    }
    if (req.method_string() == "PATCH" && t == "/v2/images/" + kId)
      return json_reply(200, json::serialize(record(
                               kId, "", {{"os_distro", "cirros"}})));
    if (req.method_string() == "PUT" && t == "/v2/images/" + kId + "/file") {
      uploaded = req.body();
      canned_reply r;
      r.status = 204;
      return r;
    }
    if (req.method_string() == "DELETE" && t == "/v2/images/" + kId) {
      canned_reply r;
      r.status = 204;
      return r;
    }
    return text_error(404, "Not Found", "no route " + t);
  }};
  observed obs;
  glance_image_service svc{options_for({glance.url() + "/"}), obs.hook(),
                           quick()};
  CHECK(svc.image_url(kId) == glance.url() + "/images/" + kId);

  auto img = svc.show(alice, kId);
  CHECK(img.id == kId);
  auto reqs = glance.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(header(reqs[0], "Accept") == "application/json");
  CHECK(header(reqs[0], "X-Auth-Token").empty()); // noauth, no service user
  // The caller's token goes to Glance.
  svc.show(with_token, kId);
  CHECK(header(glance.requests().back(), "X-Auth-Token") == "user-token");

  image_create req;
  req.name = "snap";
  req.properties = {{"image_type", "snapshot"}, {"instance_uuid", "u-1"},
                    {"min_ram", "must not become a property"}};
  req.min_ram_mb = 256;
  auto made = svc.create(alice, req);
  CHECK(made.status == "queued");
  CHECK(made.properties.at("image_type") == "snapshot");
  auto post = glance.requests().back();
  CHECK(header(post, "Content-Type") == "application/json");
  auto sent = json::parse(post.body()).as_object();
  CHECK(sent.at("image_type") == "snapshot"); // top level, a string
  CHECK(sent.at("instance_uuid") == "u-1");
  CHECK(!sent.contains("properties"));
  CHECK(sent.at("min_ram") == 256); // the base key, an integer
  CHECK(sent.at("visibility") == "private");
  CHECK(!sent.contains("disk_format")); // snapshots: set by update

  image_update up;
  up.disk_format = "qcow2";
  up.properties = {{"os_distro", "cirros"}, {"a/b~c", "1"}};
  auto updated = svc.update(alice, kId, up);
  CHECK(updated.properties.at("os_distro") == "cirros");
  auto patch = glance.requests().back();
  CHECK(header(patch, "Content-Type")
        == "application/openstack-images-v2.1-json-patch");
  CHECK(json::parse(patch.body())
        == json::parse(R"([{"op":"replace","path":"/disk_format","value":"qcow2"},
                           {"op":"add","path":"/a~1b~0c","value":"1"},
                           {"op":"add","path":"/os_distro","value":"cirros"}])"));

  test::temp_dir dir;
  auto file = dir.path / "snap";
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7);
  std::ofstream(file, std::ios::binary) << data;
  int fd = ::open(file.c_str(), O_RDONLY);
  svc.upload(alice, kId, fd, static_cast<int64_t>(data.size()));
  ::close(fd);
  CHECK(uploaded == data);
  auto put = glance.requests().back();
  CHECK(header(put, "Content-Type") == "application/octet-stream");
  CHECK(header(put, "Content-Length") == std::to_string(data.size()));
  // A file shorter than its announced size is not uploaded whole.
  fd = ::open(file.c_str(), O_RDONLY);
  CHECK(error_of([&] { svc.upload(alice, kId, fd, 300000); })
        == image_errc::short_read);
  ::close(fd);

  svc.remove(alice, kId);
  CHECK(glance.requests().back().method_string() == "DELETE");
  std::vector<std::pair<std::string, std::string>> want = {
    {"show", "200"},   {"show", "200"},   {"create", "201"},
    {"update", "200"}, {"upload", "204"}, {"delete", "204"}};
  CHECK(obs.seen == want);
}

TEST_CASE("Glance's errors are translated as Nova's "
          "_translate_image_exception; 503 is retried",
          "[images][glance]") {
  std::atomic<int> calls{0};
  unsigned status = 404;
  canned_http_server glance{[&](const http::request&) -> canned_reply {
    ++calls;
    if (status == 404)
      return text_error(404, "Not Found", "No image found with ID " + kId,
                        "req-404");
    if (status == 400) {
      // Accept: application/json: Glance's JSON error (A.10).
      return json_reply(400, R"({"message": "Provided object does not match )"
                             R"(schema 'image'<br /><br />\n\n\n", "code": )"
                             R"("400 Bad Request", "title": "Bad Request"})",
                        "req-400");
    }
    return text_error(status, "Error", "Glance says no", "req-x");
  }};
  observed obs;
  glance_image_service svc{options_for({glance.url()}, 2), obs.hook(), quick()};
  std::string what;
  CHECK(error_of([&] { svc.show(alice, kId); }, &what)
        == image_errc::not_found);
  // The request id and Glance's first line travel in the error (and the
  // log line).
  CHECK_THAT(what, Catch::Contains("Image " + kId + " could not be found."));
  CHECK_THAT(what, Catch::Contains("req-404"));
  CHECK_THAT(what, Catch::Contains("No image found with ID " + kId));
  status = 400;
  CHECK(error_of([&] { svc.show(alice, kId); }, &what)
        == image_errc::bad_request);
  CHECK_THAT(what, Catch::Contains("got BadRequest response: Provided object "
                                   "does not match schema 'image'"));
  CHECK_THAT(what, Catch::Contains("req-400"));
  for (auto [s, code] : std::vector<std::pair<unsigned, image_errc>>{
         {401, image_errc::not_authorized},
         {403, image_errc::not_authorized},
         {409, image_errc::conflict},
         {413, image_errc::over_quota},
         {500, image_errc::http_error}}) {
    status = s;
    CAPTURE(s);
    image_errc got = image_errc::io_error;
    int got_status = 0;
    try {
      svc.remove(alice, kId);
    } catch (const image_error& e) {
      got = e.code();
      got_status = e.status();
      CHECK(e.call() == "delete");
    }
    CHECK(got == code);
    CHECK(got_status == static_cast<int>(s));
  }
  // 503: 1 + num_retries attempts, then GlanceConnectionFailed.
  status = 503;
  calls = 0;
  obs.seen.clear();
  CHECK(error_of([&] { svc.show(alice, kId); }, &what)
        == image_errc::connection_failed);
  CHECK(calls == 3);
  CHECK_THAT(what, Catch::Contains("Connection to glance host"));
  CHECK(obs.seen.size() == 3);
  CHECK(obs.seen[0] == std::make_pair(std::string{"show"}, std::string{"503"}));
  // One 503, then an answer: the retry hides it.
  calls = 0;
  glance.set_handler([&](const http::request&) {
    return ++calls == 1 ? text_error(503, "Service Unavailable", "busy")
                        : json_reply(200, json::serialize(record(kId, "x")));
  });
  CHECK(svc.show(alice, kId).id == kId);
  CHECK(calls == 2);
  // Other statuses are not retried.
  calls = 0;
  glance.set_handler([&](const http::request&) {
    ++calls;
    return text_error(500, "Internal Server Error", "boom");
  });
  CHECK(error_of([&] { svc.show(alice, kId); }) == image_errc::http_error);
  CHECK(calls == 1);
}

TEST_CASE("list passes its filters and follows Glance's next links",
          "[images][glance]") {
  canned_http_server glance{[&](const http::request& req) {
    auto t = std::string{req.target()};
    json::object page{{"first", t}, {"schema", "/v2/schemas/images"}};
    json::array images;
    if (t.rfind("/v2/images?", 0) == 0 && t.find("marker") == std::string::npos) {
      images = {record("id-1", "a"), record("id-2", "b")};
      page["next"] = "/v2/images?name=cirros%20life&marker=id-2";
    } else if (t == "/v2/images?name=cirros%20life&marker=id-2") {
      images = {record("id-3", "c")};
      page["next"] = "/v2/images?name=cirros%20life&marker=id-3";
    } else {
      images = {}; // the last page: no next
    }
    page["images"] = images;
    return json_reply(200, json::serialize(page));
  }};
  glance_image_service svc{options_for({glance.url()}), {}, quick()};
  list_query q;
  q.name = "cirros life";
  q.status = "active";
  q.visibility = "public";
  auto all = svc.list(admin, q);
  REQUIRE(all.size() == 3);
  CHECK(all[2].id == "id-3");
  auto reqs = glance.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(std::string{reqs[0].target()}
        == "/v2/images?name=cirros%20life&status=active&visibility=public");
  // A limit stops early, and is passed on.
  q = {};
  q.limit = 2;
  CHECK(svc.list(admin, q).size() == 2);
  CHECK(std::string{glance.requests().back().target()} == "/v2/images?limit=2");
}

TEST_CASE("without the caller's token, show and list apply Nova's "
          "_is_image_available",
          "[images][glance]") {
  canned_http_server glance{[&](const http::request& req) {
    auto t = std::string{req.target()};
    auto mine = record("mine", "a", {{"visibility", "private"},
                                     {"owner_id", "project-a"}});
    auto theirs = record("theirs", "b", {{"visibility", "private"},
                                         {"owner_id", "project-b"}});
    auto shared = record("shared", "c", {{"visibility", "shared"}});
    auto pub = record("pub", "d");
    if (t == "/v2/images/theirs")
      return json_reply(200, json::serialize(theirs));
    if (t == "/v2/images/mine")
      return json_reply(200, json::serialize(mine));
    json::object page{{"images", json::array{mine, theirs, shared, pub}}};
    return json_reply(200, json::serialize(page));
  }};
  glance_image_service svc{options_for({glance.url()}), {}, quick()};
  std::vector<std::string> ids;
  for (auto& i : svc.list(alice, {}))
    ids.push_back(i.id);
  CHECK(ids == std::vector<std::string>{"mine", "pub"});
  CHECK(svc.list(admin, {}).size() == 4);
  CHECK(svc.show(alice, "mine").id == "mine");
  CHECK(error_of([&] { svc.show(alice, "theirs"); }) == image_errc::not_found);
  // With a token Glance filtered already: nothing is hidden.
  CHECK(svc.list(with_token, {}).size() == 4);
  CHECK(svc.show(with_token, "theirs").id == "theirs");
}

TEST_CASE("download streams the data into the file and checks its digest",
          "[images][glance]") {
  std::string data(300000, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>((i * 31) ^ (i >> 8));
  std::string served = data;
  canned_reply special;
  bool use_special = false;
  canned_http_server glance{[&](const http::request& req) {
    CHECK(std::string{req.target()} == "/v2/images/" + kId + "/file");
    if (use_special)
      return special;
    canned_reply r;
    r.body = served;
    r.headers = {{"Content-Type", "application/octet-stream"},
                 {"Content-MD5", hex_digest(data, "MD5")},
                 {"x-openstack-request-id", "req-dl"}};
    return r;
  }};
  observed obs;
  glance_image_service svc{options_for({glance.url()}), obs.hook(), quick()};
  auto img = image_from_glance(json::serialize(record(kId, data)));

  SECTION("the record's sha512 matches") {
    download_to out;
    auto r = svc.download(alice, img, out.fd);
    CHECK(r.bytes == static_cast<int64_t>(data.size()));
    CHECK(r.algo == "sha512");
    CHECK(r.hex == img.os_hash_value);
    CHECK(read_file(out.file) == data);
    CHECK(header(glance.requests().back(), "Accept")
          == "application/octet-stream");
    CHECK(obs.seen.back()
          == std::make_pair(std::string{"download"}, std::string{"200"}));
  }
  SECTION("without a multihash, the md5 checksum") {
    img.os_hash_algo.clear();
    img.os_hash_value.clear();
    download_to out;
    auto r = svc.download(alice, img, out.fd);
    CHECK(r.algo == "md5");
    CHECK(r.hex == img.checksum);
  }
  SECTION("corrupted bytes of the same length: checksum_mismatch") {
    served[100] ^= 0x5a; // Glance serves what its store has (A.7)
    download_to out;
    std::string what;
    CHECK(error_of([&] { svc.download(alice, img, out.fd); }, &what)
          == image_errc::checksum_mismatch);
    CHECK_THAT(what, Catch::Contains("Corrupt image download. Hash was "));
    CHECK_THAT(what, Catch::Contains("req-dl"));
  }
  SECTION("204, no data (a queued image, a vanished file)") {
    use_special = true;
    special = canned_reply{};
    special.status = 204;
    special.headers = {{"x-openstack-request-id", "req-204"}};
    download_to out;
    std::string what;
    CHECK(error_of([&] { svc.download(alice, img, out.fd); }, &what)
          == image_errc::no_data);
    CHECK_THAT(what, Catch::Contains("req-204"));
  }
  SECTION("a body shorter than Content-Length: short_read, not retried") {
    use_special = true;
    special = canned_reply{};
    special.body = data.substr(0, 1000);
    special.content_length = static_cast<int64_t>(data.size());
    download_to out;
    CHECK(error_of([&] { svc.download(alice, img, out.fd); })
          == image_errc::short_read);
    CHECK(glance.requests().size() == 1);
    // So that the server's close ends it, not the timeout.
    CHECK(header(glance.requests().back(), "Connection") == "close");
  }
  SECTION("a record of a larger image than the body: short_read") {
    img.size += 5;
    download_to out;
    CHECK(error_of([&] { svc.download(alice, img, out.fd); })
          == image_errc::short_read);
  }
  SECTION("a file that cannot be written: io_error") {
    download_to out;
    ::close(out.fd);
    out.fd = ::open(out.file.c_str(), O_RDONLY);
    CHECK(error_of([&] { svc.download(alice, img, out.fd); })
          == image_errc::io_error);
  }
  SECTION("Glance's errors translate as for any call") {
    use_special = true;
    special = text_error(403, "Forbidden",
                         "The requested image has been deactivated. Image "
                         "data download is forbidden.");
    download_to out;
    CHECK(error_of([&] { svc.download(alice, img, out.fd); })
          == image_errc::not_authorized);
  }
}

namespace {

/// A Keystone v3 that hands out tok-1, tok-2, ... valid for `lifetime`.
struct fake_keystone {
  std::atomic<int> issued{0};
  std::chrono::seconds lifetime{3600};
  canned_http_server srv{[this](const http::request& req) {
    if (req.method_string() != "POST"
        || std::string{req.target()} != "/identity/v3/auth/tokens")
      return text_error(404, "Not Found", "no route");
    auto auth = json::parse(req.body()).at("auth");
    auto user = auth.at("identity").at("password").at("user");
    if (user.at("password") != "glancepass")
      return json_reply(401, R"({"error": {"code": 401, "message": )"
                             R"("The request you have made requires )"
                             R"(authentication.", "title": "Unauthorized"}})");
    CHECK(user.at("name") == "glance");
    CHECK(user.at("domain").at("name") == "Default");
    CHECK(auth.at("scope").at("project").at("name") == "service");
    auto expires = std::time(nullptr) + lifetime.count();
    char stamp[64];
    std::tm tm{};
    gmtime_r(&expires, &tm);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
    auto r = json_reply(201, std::string{R"({"token": {"expires_at": ")"}
                               + stamp + R"(", "methods": ["password"]}})");
    r.headers.emplace_back("X-Subject-Token",
                           "tok-" + std::to_string(++issued));
    return r;
  }};
};

} // namespace

TEST_CASE("a service user's token: fetched, cached, renewed on a 401",
          "[images][glance]") {
  fake_keystone keystone;
  std::string accepted = "tok-1";
  std::mutex mtx;
  canned_http_server glance{[&](const http::request& req) {
    std::lock_guard<std::mutex> guard{mtx};
    auto token = header(req, "X-Auth-Token");
    if (token != accepted && token != "user-token" && accepted != "*")
      return text_error(401, "Unauthorized",
                        "This server could not verify that you are "
                        "authorized to access the document you requested.");
    return json_reply(200, json::serialize(record(kId, "x")));
  }};
  auto opts = options_for({glance.url()});
  opts.auth_type = "password";
  opts.auth_url = keystone.srv.url() + "/identity"; // no /v3: appended
  opts.username = "glance";
  opts.password = "glancepass";
  opts.project_name = "service";
  observed obs;
  glance_image_service svc{opts, obs.hook(), quick()};

  svc.show(alice, kId);
  svc.show(alice, kId);
  CHECK(keystone.issued == 1); // cached
  CHECK(header(glance.requests().back(), "X-Auth-Token") == "tok-1");
  // The caller's own token wins, and needs no Keystone.
  svc.show(with_token, kId);
  CHECK(header(glance.requests().back(), "X-Auth-Token") == "user-token");
  CHECK(keystone.issued == 1);
  // Glance no longer takes tok-1 (revoked): one new token, one retry.
  {
    std::lock_guard<std::mutex> guard{mtx};
    accepted = "tok-2";
  }
  obs.seen.clear();
  CHECK(svc.show(alice, kId).id == kId);
  CHECK(keystone.issued == 2);
  CHECK(obs.seen.size() == 2);
  CHECK(obs.seen[0].second == "401");
  CHECK(obs.seen[1].second == "200");
  // Only once: a second 401 is the answer.
  {
    std::lock_guard<std::mutex> guard{mtx};
    accepted = "nobody";
  }
  CHECK(error_of([&] { svc.show(alice, kId); }) == image_errc::not_authorized);
  CHECK(keystone.issued == 3);

  SECTION("a token within 5 minutes of its expiry is renewed") {
    fake_keystone shortlived;
    shortlived.lifetime = std::chrono::seconds{240};
    {
      std::lock_guard<std::mutex> guard{mtx};
      accepted = "*";
    }
    auto o = opts;
    o.auth_url = shortlived.srv.url() + "/identity/v3/";
    glance_image_service s2{o, {}, quick()};
    s2.show(alice, kId);
    s2.show(alice, kId);
    CHECK(shortlived.issued == 2);
    CHECK(header(glance.requests().back(), "X-Auth-Token") == "tok-2");
  }
  SECTION("a refused service user is not_authorized") {
    auto o = opts;
    o.password = "wrong";
    glance_image_service s3{o, {}, quick()};
    std::string what;
    CHECK(error_of([&] { s3.show(alice, kId); }, &what)
          == image_errc::not_authorized);
    CHECK_THAT(what, Catch::Contains("requires authentication"));
  }
}

TEST_CASE("api_servers are tried in a cycle; connection errors are retried",
          "[images][glance]") {
  canned_http_server glance{[&](const http::request&) {
    return json_reply(200, json::serialize(record(kId, "x")));
  }};
  auto dead = "http://127.0.0.1:" + std::to_string(test::closed_port());
  observed obs;
  glance_image_service svc{options_for({dead, glance.url()}, 3), obs.hook(),
                           quick()};
  // Whichever comes first, each call reaches the live one within two
  // attempts, and the cycle alternates.
  for (int i = 0; i < 4; ++i)
    CHECK(svc.show(alice, kId).id == kId);
  CHECK(glance.requests().size() == 4);
  // The dead server stays in the cycle (as in Nova): 3 refusals if the
  // live one came first, 4 if not; never two in a row.
  int refused = 0;
  for (size_t i = 0; i < obs.seen.size(); ++i) {
    refused += obs.seen[i].second == "connect_error";
    if (i > 0)
      CHECK(obs.seen[i].second != obs.seen[i - 1].second);
  }
  CHECK(refused >= 3);
  CHECK(refused <= 4);
  CHECK(obs.seen.size() == 4 + static_cast<size_t>(refused));
  // Keep-alive: one connection for every call.
  CHECK(glance.connections() == 1);

  SECTION("nothing answers: connection_failed after 1 + num_retries") {
    observed none;
    glance_image_service gone{options_for({dead}, 2), none.hook(), quick()};
    std::string what;
    CHECK(error_of([&] { gone.show(alice, kId); }, &what)
          == image_errc::connection_failed);
    CHECK(none.seen.size() == 3);
    CHECK(none.seen.back().second == "connect_error");
    CHECK_THAT(what, Catch::Contains("Connection to glance host"));
  }
}

TEST_CASE("a kept-alive connection the server closed is not a failure",
          "[images][glance]") {
  bool say_so = GENERATE(true, false);
  canned_http_server glance{[&](const http::request&) {
    auto r = json_reply(200, json::serialize(record(kId, "x")));
    // Connection: close, or closed afterwards as at a keep-alive timeout.
    (say_so ? r.close : r.drop) = true;
    return r;
  }};
  glance_image_service svc{options_for({glance.url()}, 0), {}, quick()};
  // Unannounced, the close is seen before the next request goes out, or
  // the request fails unanswered and goes again on a new connection.
  for (int i = 0; i < 3; ++i)
    CHECK(svc.show(alice, kId).id == kId);
  CHECK(glance.connections() == 3);
  CHECK(glance.requests().size() == 3); // nothing sent twice
}

TEST_CASE("https: the server's certificate is verified",
          "[images][glance]") {
  test::test_pki pki;
  auto files = pki.server();
  canned_http_server glance{[&](const http::request&) {
                              return json_reply(
                                200, json::serialize(record(kId, "x")));
                            },
                            &files};
  auto opts = options_for({glance.url()}, 0);
  opts.cafile = files.ca_file;
  glance_image_service svc{opts, {}, quick()};
  CHECK(svc.show(alice, kId).id == kId);
  // The system's CAs do not know the test CA.
  opts.cafile.clear();
  glance_image_service untrusted{opts, {}, quick()};
  std::string what;
  CHECK(error_of([&] { untrusted.show(alice, kId); }, &what)
        == image_errc::connection_failed);
  CHECK_THAT(what, Catch::Contains("certificate verify failed"));
  // A name the certificate does not carry.
  auto wrong = options_for({"https://localhost:" + std::to_string(glance.port())},
                           0);
  wrong.cafile = files.ca_file;
  glance_image_service misnamed{wrong, {}, quick()};
  CHECK(error_of([&] { misnamed.show(alice, kId); }, &what)
        == image_errc::connection_failed);
  CHECK_THAT(what, Catch::Contains("certificate verify failed"));
}

TEST_CASE("make_image_service picks Glance when api_servers is set, and its "
          "requests count in the metrics",
          "[images][glance][metrics]") {
  canned_http_server glance{[&](const http::request& req) {
    if (std::string{req.target()} == "/v2/images/" + kId)
      return json_reply(200, json::serialize(record(kId, "x")));
    return text_error(404, "Not Found", "No image found with ID nope");
  }};
  test::temp_dir dir;
  auto opts = default_options(1);
  opts.instances_path = (dir.path / "instances").string();
  opts.images.clear();
  auto catalog = make_image_service(opts);
  CHECK(dynamic_cast<glance_image_service*>(catalog.get()) == nullptr);
  opts.glance = options_for({glance.url()}, 0);
  auto reg = std::make_shared<metrics::registry>();
  auto svc = make_image_service(opts, metrics::glance_request_hook(reg));
  REQUIRE(dynamic_cast<glance_image_service*>(svc.get()) != nullptr);
  svc->show(alice, kId);
  CHECK_THROWS_AS(svc->show(alice, "nope"), image_error);
  CHECK(test::sample(*reg, "vmforge_glance_requests_total",
                     {{"call", "show"}, {"code", "200"}})
        == 1);
  CHECK(test::sample(*reg, "vmforge_glance_requests_total",
                     {{"call", "show"}, {"code", "404"}})
        == 1);
  CHECK(test::sample(*reg, "vmforge_glance_request_seconds", {{"call", "show"}})
        == 2);
}
