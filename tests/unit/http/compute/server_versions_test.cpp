// The server view's fields by microversion, 2.38 to 2.100 (Nova's
// schemas/servers.py _server_response_v2NN).
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "http/compute/views.hpp"

using namespace vmforge;
using namespace vmforge::http;
namespace json = boost::json;

namespace {

const link_base base{"http://api:8774", ""};
const request_context member{"u", "p", false, "req-1", {}};

instance sample() {
  instance r;
  r.id = "11111111-2222-4333-8444-555555555555";
  r.db_id = 7;
  r.name = "vm";
  r.project_id = "p";
  r.flavor_ = flavor{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {},
                     {{"hw:cpu_policy", "shared"}}};
  r.image_id = "img";
  r.vm = vm_state::active;
  r.task = task_state::none;
  r.hostname = "vm";
  r.system_metadata = {{"image_hw_disk_bus", "virtio"},
                       {"image_base_image_ref", "img"},
                       {"shelved_at", "x"}};
  r.scheduler_hints = {{"same_host", {"a", "b"}}};
  return r;
}

json::object at(const instance& row, api_version v, bool extended = true) {
  return server_detail(row, base, member, v, extended);
}

} // namespace

TEST_CASE("server versions: 2.47 embeds the flavor by value",
          "[views][microversion]") {
  auto row = sample();
  CHECK(at(row, {2, 46}).at("flavor").as_object().contains("links"));
  auto f = at(row, {2, 47}).at("flavor").as_object();
  CHECK_FALSE(f.contains("id"));
  CHECK(f.at("original_name") == "m1.tiny");
  CHECK(f.at("vcpus") == 1);
  CHECK(f.at("ram") == 512);
  CHECK(f.at("disk") == 1);
  CHECK(f.at("ephemeral") == 0);
  CHECK(f.at("swap") == 0); // an integer, not the flavor API's ""
  CHECK(f.at("extra_specs").at("hw:cpu_policy") == "shared");
}

TEST_CASE("server versions: 2.63 trusted certificates, null when none",
          "[views][microversion]") {
  auto row = sample();
  CHECK_FALSE(at(row, {2, 62}).contains("trusted_image_certificates"));
  CHECK(at(row, {2, 63}).at("trusted_image_certificates").is_null());
  row.trusted_certs = {"c1"};
  CHECK(at(row, {2, 63}).at("trusted_image_certificates")
        == json::array{"c1"});
}

TEST_CASE("server versions: 2.73 locked_reason", "[views][microversion]") {
  auto row = sample();
  CHECK_FALSE(at(row, {2, 72}).contains("locked_reason"));
  CHECK(at(row, {2, 73}).at("locked_reason").is_null());
  row.locked = true;
  row.locked_reason = "maintenance";
  CHECK(at(row, {2, 73}).at("locked_reason") == "maintenance");
}

TEST_CASE("server versions: 2.75 PUT's answer is the whole server, 2.90 "
          "the hostname for everyone",
          "[views][microversion]") {
  auto row = sample();
  CHECK_FALSE(at(row, {2, 89}).contains("OS-EXT-SRV-ATTR:hostname"));
  CHECK(at(row, {2, 90}).at("OS-EXT-SRV-ATTR:hostname") == "vm");
  CHECK(at(row, {2, 90}, false).at("OS-EXT-SRV-ATTR:hostname") == "vm");
}

TEST_CASE("server versions: 2.96 pinned zone, 2.98 image properties, 2.100 "
          "scheduler hints",
          "[views][microversion]") {
  auto row = sample();
  auto v95 = at(row, {2, 95});
  CHECK_FALSE(v95.contains("pinned_availability_zone"));
  CHECK_FALSE(v95.at("image").as_object().contains("properties"));
  CHECK(at(row, {2, 96}).at("pinned_availability_zone").is_null());
  row.pinned_availability_zone = "az1";
  CHECK(at(row, {2, 96}).at("pinned_availability_zone") == "az1");
  // Only what the image gave: not Nova's own base_image_ref, not shelve's.
  CHECK(at(row, {2, 98}).at("image").at("properties")
        == json::object{{"hw_disk_bus", "virtio"}});
  CHECK_FALSE(at(row, {2, 99}).contains("scheduler_hints"));
  CHECK(at(row, {2, 100}).at("scheduler_hints")
        == json::object{{"same_host", json::array{"a", "b"}}});
  row.scheduler_hints.clear();
  CHECK(at(row, {2, 100}).at("scheduler_hints") == json::object{});
}

TEST_CASE("server versions: tags from the row (2.26)",
          "[views][microversion]") {
  auto row = sample();
  row.tags = {"a", "b"};
  CHECK(at(row, {2, 26}).at("tags") == json::array{"a", "b"});
}
