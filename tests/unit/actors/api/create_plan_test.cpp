#include <catch2/catch.hpp>

#include "actors/api/create_plan.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

struct world {
  options opts = default_options(1);
  catalog cat{opts.flavors, {"nova"}};
  quotas quota{opts};
  keypairs keys;
  security_groups groups;

  world() {
    quota.set_project("p", {{"metadata_items", 2}, {"instances", 4}});
  }

  create_servers request() const {
    create_servers req;
    req.ctx = request_context{"u", "p", false, "req-1", {}};
    req.name = "vm";
    req.flavor_ref = "1";
    req.image_ref = opts.images.front().id;
    return req;
  }

  std::string refusal(const create_servers& req) const {
    auto err = validate(req, cat, quota, keys, groups);
    return err ? error_message(err) : "";
  }
};

} // namespace

TEST_CASE("create_plan: a request of the catalog's flavor passes",
          "[create_plan]") {
  world w;
  auto req = w.request();
  CHECK(w.refusal(req).empty());
  keypair kp;
  kp.name = "k";
  REQUIRE(w.keys.create("u", kp, -1));
  security_group_info web;
  web.name = "web";
  REQUIRE(w.groups.create("p", web, -1));
  req.key_name = "k";
  req.security_groups = {"default", "web"};
  req.availability_zone = "nova";
  req.metadata = {{"a", "1"}, {"b", "2"}};
  CHECK(w.refusal(req).empty());
}

TEST_CASE("create_plan: names and counts first, with Nova's texts",
          "[create_plan]") {
  world w;
  auto req = w.request();
  req.name = "";
  req.image_ref = ""; // reported after the name
  CHECK(w.refusal(req)
        == "Invalid input for field/attribute name. Value: . '' is not a "
           "valid name: length must be 1 to 255");
  req.name = " vm";
  CHECK(w.refusal(req).find("must not have leading or trailing whitespace")
        != std::string::npos);
  req.name = "vm";
  req.min_count = 0;
  CHECK(w.refusal(req) == "min_count and max_count must be >= 1");
  req.min_count = 3;
  req.max_count = 2;
  CHECK(w.refusal(req) == "min_count must be <= max_count");
}

TEST_CASE("create_plan: then an imageRef, the flavor and zone; the image "
          "itself is the image service's",
          "[create_plan]") {
  world w;
  auto req = w.request();
  req.image_ref = "";
  req.flavor_ref = "42";
  CHECK(w.refusal(req) == "Missing imageRef attribute");
  // Whether it names an image is asked of the image service later.
  req.image_ref = "0b5bd3c1-0000-4000-8000-000000000000";
  CHECK(w.refusal(req) == "Flavor 42 could not be found.");
  req.flavor_ref = "1";
  req.availability_zone = "elsewhere";
  CHECK(w.refusal(req) == "The requested availability zone is not available");
}

TEST_CASE("create_plan: then the project's metadata limit, the user's "
          "keypair, the project's groups",
          "[create_plan]") {
  world w;
  auto req = w.request();
  req.metadata = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  req.key_name = "k";
  auto err = validate(req, w.cat, w.quota, w.keys, w.groups);
  CHECK(err == errc::over_quota);
  CHECK(error_message(err)
        == "Quota exceeded for metadata_items: Requested 3, but already used "
           "0 of 2 metadata_items");
  req.metadata.clear();
  CHECK(w.refusal(req) == "Keypair k not found for user u");
  req.key_name.clear();
  req.security_groups = {"web"};
  CHECK(w.refusal(req)
        == "Unable to find security_group with name or id 'web'");
  req.security_groups = {"default"};
  req.metadata = {{std::string(256, 'k'), "v"}};
  CHECK(w.refusal(req).find("Metadata keys must be 1-255")
        != std::string::npos);
}

TEST_CASE("create_plan: rows in BUILD/scheduling named by the template, "
          "under the project's limits",
          "[create_plan]") {
  world w;
  auto req = w.request();
  req.flavor_ref = "http://h/v2.1/flavors/2";
  req.min_count = 2;
  req.max_count = 3;
  req.metadata = {{"a", "1"}};
  auto fl = w.cat.flavor_of(req.flavor_ref, req.ctx).value();
  auto ins = rows_of(req, fl, w.quota, "%(name)s-%(count)d", "r-1");
  CHECK(ins.min_count == 2);
  CHECK(ins.limits.instances == 4);
  CHECK(ins.limits.cores == w.opts.quota.cores);
  REQUIRE(ins.rows.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    auto& row = ins.rows[i];
    CHECK(row.name == "vm-" + std::to_string(i + 1));
    CHECK(row.reservation_id == "r-1");
    CHECK(row.flavor_.id == "2");
    CHECK(row.project_id == "p");
    CHECK(row.user_id == "u");
    CHECK(row.metadata == req.metadata);
    CHECK(row.vm == vm_state::building);
    CHECK(row.task == task_state::scheduling);
  }
  CHECK(ins.rows[0].id != ins.rows[1].id);
  req.max_count = 1;
  req.min_count = 1;
  auto one = rows_of(req, fl, w.quota, "%(name)s-%(count)d", "r-2");
  REQUIRE(one.rows.size() == 1);
  CHECK(one.rows[0].name == "vm");
}

TEST_CASE("create_plan: a create's networks must exist, be unambiguous and "
          "a fixed ip must be a host address of its network",
          "[create_plan]") {
  world w;
  auto nets = w.opts.networks;
  REQUIRE(nets.size() == 1);
  auto& net = nets[0];
  auto req = w.request();
  auto refusal = [&](const create_servers& r) {
    auto err = check_networks(r, nets);
    return err ? error_message(err) : "";
  };
  CHECK(refusal(req).empty()); // automatic, one network
  req.networks.mode = network_mode::listed;
  req.networks.listed = {{net.id, "10.42.0.10"}};
  CHECK(refusal(req).empty());
  req.networks.listed = {{"0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b", {}}};
  CHECK(refusal(req) == "Network 0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b could "
                        "not be found.");
  CHECK((check_networks(req, nets) == errc::network_not_found));
  for (auto bad : {"10.43.0.10", "10.42.0.1", "10.42.255.255", "fd00::5"}) {
    req.networks.listed = {{net.id, bad}};
    CHECK(refusal(req) == "Fixed IP address " + std::string{bad}
                            + " is invalid.");
  }
  req.networks.listed = {{net.id, "10.42.0.10"}};
  req.max_count = 2;
  CHECK(refusal(req) == "Failed to launch instances: max_count cannot be "
                        "greater than 1 if an fixed_ip is specified.");
  auto two = nets;
  two.push_back(net);
  two.back().id = "0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b";
  auto automatic = w.request();
  auto err = check_networks(automatic, two);
  CHECK((err == errc::network_ambiguous));
  CHECK(error_message(err) == "More than one possible network found. Specify "
                              "network ID(s) to select which one(s) to "
                              "connect to.");
  automatic.networks.mode = network_mode::none;
  CHECK_FALSE(static_cast<bool>(check_networks(automatic, two)));
}

TEST_CASE("create_plan: the rows carry the boot data and the networks; a "
          "config drive when asked, forced or mandatory for the image",
          "[create_plan]") {
  world w;
  keypair kp;
  kp.name = "k";
  kp.public_key = "ssh-ed25519 AAAA u@h";
  REQUIRE(w.keys.create("u", kp, -1));
  auto req = w.request();
  req.key_name = "k";
  req.user_data = "IyEvYmluL3NoCg==";
  req.networks.mode = network_mode::none;
  auto img = w.opts.images.front();
  auto g = guest_of(req, w.keys, img, false);
  CHECK(g.key_data == kp.public_key);
  CHECK(g.user_data == req.user_data);
  CHECK_FALSE(g.config_drive);
  auto fl = w.cat.flavor_of("1", req.ctx).value();
  auto ins = rows_of(req, fl, w.quota, "%(name)s-%(count)d", "r-1", g);
  REQUIRE(ins.rows.size() == 1);
  auto& row = ins.rows[0];
  CHECK(row.key_data == kp.public_key);
  CHECK(row.user_data == req.user_data);
  CHECK(row.requested_networks.mode == network_mode::none);
  CHECK_FALSE(row.config_drive);
  CHECK(guest_of(req, w.keys, img, true).config_drive);
  req.config_drive = true;
  CHECK(guest_of(req, w.keys, img, false).config_drive);
  req.config_drive = false;
  img.properties["img_config_drive"] = "optional";
  CHECK_FALSE(guest_of(req, w.keys, img, false).config_drive);
  img.properties["img_config_drive"] = "mandatory";
  CHECK(guest_of(req, w.keys, img, false).config_drive);
}

TEST_CASE("create_plan: sanitize_hostname is Nova's", "[create_plan]") {
  CHECK(sanitize_hostname("My Server_1.example") == "my-server-1-example");
  CHECK(sanitize_hostname("..a$b..") == "ab");
  CHECK(sanitize_hostname("***") == "");
  CHECK(sanitize_hostname(std::string(70, 'a')).size() == 63);
}

TEST_CASE("create_plan: rows keep the hostname, hints, tags, pinned zone "
          "and the image's properties",
          "[create_plan]") {
  world w;
  auto req = w.request();
  req.flavor_ref = "http://h/v2.1/flavors/2";
  req.name = "Web Server";
  req.max_count = 2;
  req.availability_zone = "az1";
  req.tags = {"red", "blue", "red"};
  req.scheduler_hints = {{"same_host", {"x"}}};
  auto fl = w.cat.flavor_of(req.flavor_ref, req.ctx).value();
  auto ins = rows_of(req, fl, w.quota, "%(name)s-%(count)d", "r-1", {},
                     {{"hw_disk_bus", "virtio"}});
  REQUIRE(ins.rows.size() == 2);
  CHECK(ins.rows[0].hostname == "web-server-1");
  CHECK(ins.rows[1].hostname == "web-server-2");
  CHECK(ins.rows[0].tags == std::vector<std::string>{"blue", "red"});
  CHECK(ins.rows[0].scheduler_hints == req.scheduler_hints);
  CHECK(ins.rows[0].pinned_availability_zone == "az1");
  CHECK(ins.rows[0].system_metadata.at("image_hw_disk_bus") == "virtio");
  req.max_count = 1;
  req.hostname = "chosen";
  CHECK(rows_of(req, fl, w.quota, "", "r-2").rows[0].hostname == "chosen");
  req.hostname.clear();
  req.name = "***";
  auto odd = rows_of(req, fl, w.quota, "", "r-3").rows[0];
  CHECK(odd.hostname == "Server-" + odd.id);
}
