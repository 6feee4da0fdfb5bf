#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "drivers/config_drive.hpp"

using namespace vmforge;
namespace json = boost::json;

namespace {

spawn_spec guest_spec() {
  spawn_spec s;
  s.instance_id = "6f0b8a4e-1d2c-4b7a-9e3f-0a1b2c3d4e5f";
  s.display_name = "My Server_1.example";
  s.project_id = "proj";
  s.availability_zone = "nova";
  s.guest.key_name = "k1";
  s.guest.key_data = "ssh-ed25519 AAAAC3Nza k1@test";
  s.guest.user_data = "IyFjbG91ZC1jb25maWcKcnVuY21kOiBbZWNobywgaGldCg==";
  s.guest.metadata = {{"role", "web"}};
  s.guest.config_drive = true;
  vif v;
  v.id = "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
  v.mac = "fa:16:3e:12:34:56";
  v.address = "10.42.0.5";
  v.net = network{"net-uuid", "private", "10.42.0.0/24", "10.42.0.1",
                  {"10.42.0.1", "9.9.9.9"}, "vmforge-private"};
  s.vifs.push_back(v);
  return s;
}

json::object parse(const std::string& text) {
  return json::parse(text).as_object();
}

} // namespace

TEST_CASE("sanitize_hostname follows Nova's", "[config_drive]") {
  CHECK(sanitize_hostname("My Server_1.example", "d") == "my-server-1-example");
  CHECK(sanitize_hostname("--a!b@c--", "d") == "abc");
  CHECK(sanitize_hostname("...", "Server-x") == "Server-x");
  CHECK(sanitize_hostname("日本", "Server-x") == "Server-x");
  // Latin-1 letters are word characters and are lowered; others drop.
  CHECK(sanitize_hostname("Caf\xc3\x89 \xe2\x82\xac", "d") == "caf\xc3\xa9");
  CHECK(sanitize_hostname(std::string(70, 'a'), "d") == std::string(63, 'a'));
}

TEST_CASE("meta_data.json has the instance, its keys and metadata",
          "[config_drive]") {
  auto files = config_drive_files(guest_spec());
  auto md = parse(files.at("openstack/latest/meta_data.json"));
  CHECK(md.at("uuid") == "6f0b8a4e-1d2c-4b7a-9e3f-0a1b2c3d4e5f");
  CHECK(md.at("name") == "My Server_1.example");
  CHECK(md.at("hostname") == "my-server-1-example.novalocal");
  CHECK(md.at("launch_index") == 0);
  CHECK(md.at("availability_zone") == "nova");
  CHECK(md.at("project_id") == "proj");
  CHECK(md.at("public_keys").at("k1") == "ssh-ed25519 AAAAC3Nza k1@test");
  auto& key = md.at("keys").as_array().at(0).as_object();
  CHECK(key.at("name") == "k1");
  CHECK(key.at("type") == "ssh");
  CHECK(key.at("data") == "ssh-ed25519 AAAAC3Nza k1@test");
  CHECK(md.at("meta").at("role") == "web");
  CHECK(md.at("devices").as_array().empty());
  // The dated versions have the same document.
  CHECK(files.at("openstack/2012-08-10/meta_data.json")
        == files.at("openstack/latest/meta_data.json"));
}

TEST_CASE("without a key there are no keys, without a domain no suffix",
          "[config_drive]") {
  auto s = guest_spec();
  s.guest.key_name.clear();
  s.guest.key_data.clear();
  auto md = parse(config_drive_files(s, "").at("openstack/latest/meta_data.json"));
  CHECK(md.if_contains("public_keys") == nullptr);
  CHECK(md.if_contains("keys") == nullptr);
  CHECK(md.at("hostname") == "my-server-1-example");
}

TEST_CASE("user_data is decoded, and only there when given", "[config_drive]") {
  auto files = config_drive_files(guest_spec());
  CHECK(files.at("openstack/latest/user_data")
        == "#!cloud-config\nruncmd: [echo, hi]\n");
  CHECK(files.at("openstack/2013-04-04/user_data")
        == files.at("openstack/latest/user_data"));
  auto s = guest_spec();
  s.guest.user_data.clear();
  CHECK(config_drive_files(s).count("openstack/latest/user_data") == 0);
  s.guest.user_data = "not base64!";
  CHECK_THROWS_AS(config_drive_files(s), std::invalid_argument);
}

TEST_CASE("vendor data and network data are where Nova's versions have them",
          "[config_drive]") {
  auto files = config_drive_files(guest_spec());
  CHECK(files.at("openstack/latest/vendor_data.json") == "{}");
  CHECK(files.at("openstack/latest/vendor_data2.json") == "{}");
  CHECK(files.count("openstack/2013-04-04/vendor_data.json") == 0);
  CHECK(files.count("openstack/2013-10-17/vendor_data.json") == 1);
  CHECK(files.count("openstack/2013-10-17/network_data.json") == 0);
  CHECK(files.count("openstack/2015-10-15/network_data.json") == 1);
  CHECK(files.count("openstack/2016-06-30/vendor_data2.json") == 0);
  CHECK(files.count("openstack/2016-10-06/vendor_data2.json") == 1);
  CHECK(files.count("openstack/2020-10-14/meta_data.json") == 1);
}

TEST_CASE("network_data.json describes each vif as Nova does", "[config_drive]") {
  auto nd = parse(config_drive_files(guest_spec())
                    .at("openstack/latest/network_data.json"));
  auto& link = nd.at("links").as_array().at(0).as_object();
  CHECK(link.at("id") == "tap0a1b2c3d-4e");
  CHECK(link.at("vif_id") == "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");
  CHECK(link.at("ethernet_mac_address") == "fa:16:3e:12:34:56");
  CHECK(link.at("type") == "bridge");
  CHECK(link.at("mtu").is_null());
  auto& net = nd.at("networks").as_array().at(0).as_object();
  CHECK(net.at("id") == "network0");
  CHECK(net.at("type") == "ipv4");
  CHECK(net.at("link") == "tap0a1b2c3d-4e");
  CHECK(net.at("ip_address") == "10.42.0.5");
  CHECK(net.at("netmask") == "255.255.255.0");
  CHECK(net.at("network_id") == "net-uuid");
  auto& route = net.at("routes").as_array().at(0).as_object();
  CHECK(route.at("network") == "0.0.0.0");
  CHECK(route.at("netmask") == "0.0.0.0");
  CHECK(route.at("gateway") == "10.42.0.1");
  CHECK(net.at("services").as_array().size() == 2);
  auto& services = nd.at("services").as_array();
  REQUIRE(services.size() == 2);
  CHECK(services[1].at("type") == "dns");
  CHECK(services[1].at("address") == "9.9.9.9");
  auto none = guest_spec();
  none.vifs.clear();
  auto empty = parse(config_drive_files(none).at("openstack/latest/network_data.json"));
  CHECK(empty.at("links").as_array().empty());
  CHECK(empty.at("networks").as_array().empty());
}
