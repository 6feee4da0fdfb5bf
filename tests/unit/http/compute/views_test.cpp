#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "http/compute/views.hpp"

using namespace vmforge;
using namespace vmforge::http;
namespace json = boost::json;

namespace {

const link_base base{"http://api:8774", ""};
const request_context member{"u", "p", false, "req-1", {}};
const request_context admin{"root", "admin", true, "req-2", {}};

// 2025-11-25T16:27:13Z
constexpr int64_t t0_us = 1764088033LL * 1000000;

instance sample(vm_state vm = vm_state::active,
                task_state task = task_state::none) {
  instance r;
  r.id = "11111111-2222-4333-8444-555555555555";
  r.db_id = 7;
  r.name = "vm";
  r.project_id = "p";
  r.user_id = "u";
  r.flavor_ = flavor{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
  r.image_id = "img";
  r.availability_zone = "az1";
  r.metadata = {{"k", "v"}};
  r.security_groups = {"default"};
  r.vm = vm;
  r.task = task;
  r.power = power_state::running;
  r.host = "compute-1";
  r.created_us = t0_us;
  r.updated_us = t0_us + 1000000;
  r.launched_us = t0_us + 2000000;
  return r;
}

json::object detail(const instance& row, api_version v = {2, 1},
                    const request_context& ctx = member) {
  return server_detail(row, base, ctx, v);
}

std::string status_of(vm_state vm, task_state task) {
  return json::value_to<std::string>(detail(sample(vm, task)).at("status"));
}

bool has(const json::object& o, const char* key) {
  return o.contains(key);
}

const json::object& fault_of(const json::object& server) {
  return server.at("fault").as_object();
}

instance failed(int32_t code) {
  auto row = sample(vm_state::error);
  row.has_fault = true;
  row.fault_ = fault{code, "boom", "trace", t0_us};
  return row;
}

} // namespace

TEST_CASE("views: server_brief is id, name and links", "[views]") {
  auto row = sample();
  auto brief = server_brief(row, base);
  CHECK(brief.size() == 3);
  CHECK(brief.at("id") == json::value(row.id));
  CHECK(brief.at("name") == "vm");
  CHECK(brief.at("links")
        == json::array{
          json::object{{"rel", "self"},
                       {"href", "http://api:8774/v2.1/servers/" + row.id}},
          json::object{{"rel", "bookmark"},
                       {"href", "http://api:8774/servers/" + row.id}}});
  // With a project in the URL, the links carry it.
  auto scoped = server_brief(row, link_base{"http://api:8774", "p"});
  CHECK(scoped.at("links").as_array()[0].at("href")
        == json::value("http://api:8774/v2.1/p/servers/" + row.id));
}

TEST_CASE("views: server_detail at 2.1 has the fields Nova's show has",
          "[views]") {
  auto d = detail(sample());
  for (auto key :
       {"id", "name", "links", "status", "tenant_id", "user_id", "metadata",
        "hostId", "image", "flavor", "created", "updated", "addresses",
        "accessIPv4", "accessIPv6", "OS-DCF:diskConfig",
        "OS-EXT-AZ:availability_zone", "config_drive", "key_name",
        "security_groups", "OS-SRV-USG:launched_at",
        "OS-SRV-USG:terminated_at", "OS-EXT-STS:vm_state",
        "OS-EXT-STS:task_state", "OS-EXT-STS:power_state",
        "os-extended-volumes:volumes_attached", "progress"}) {
    INFO(key);
    CHECK(has(d, key));
  }
  // Later microversions' fields, admins' fields, and no fault.
  for (auto key : {"locked", "description", "tags", "fault",
                   "OS-EXT-SRV-ATTR:host"}) {
    INFO(key);
    CHECK_FALSE(has(d, key));
  }
  CHECK(d.at("status") == "ACTIVE");
  CHECK(d.at("tenant_id") == "p");
  CHECK(d.at("metadata") == json::object{{"k", "v"}});
  CHECK(d.at("created") == "2025-11-25T16:27:13Z");
  CHECK(d.at("updated") == "2025-11-25T16:27:14Z");
  CHECK(d.at("OS-SRV-USG:launched_at") == "2025-11-25T16:27:15.000000");
  CHECK(d.at("OS-SRV-USG:terminated_at").is_null());
  CHECK(d.at("image")
        == json::object{{"id", "img"},
                        {"links", json::array{json::object{
                                    {"rel", "bookmark"},
                                    {"href", "http://api:8774/images/img"}}}}});
  CHECK(d.at("flavor").at("id") == "1"); // a link, not the flavor, to 2.46
  CHECK(d.at("addresses") == json::object{});
  CHECK(d.at("accessIPv4") == "");
  CHECK(d.at("OS-DCF:diskConfig") == "MANUAL");
  CHECK(d.at("OS-EXT-AZ:availability_zone") == "az1");
  CHECK(d.at("key_name").is_null());
  CHECK(d.at("security_groups")
        == json::array{json::object{{"name", "default"}}});
  CHECK(d.at("OS-EXT-STS:vm_state") == "active");
  CHECK(d.at("OS-EXT-STS:task_state").is_null());
  CHECK(d.at("OS-EXT-STS:power_state") == 1);
  CHECK(d.at("progress") == 0);
}

TEST_CASE("views: hostId is sha224 of project and host, empty without one",
          "[views]") {
  CHECK(detail(sample()).at("hostId")
        == "ab877eef6e09a3d68570a414cba885ded45c280ee2aeaac32387e1c2");
  auto unplaced = sample(vm_state::building, task_state::scheduling);
  unplaced.host.clear();
  CHECK(detail(unplaced).at("hostId") == "");
}

TEST_CASE("views: locked from 2.9, description from 2.19, tags from 2.26",
          "[views]") {
  auto row = sample();
  row.locked = true;
  CHECK_FALSE(has(detail(row, {2, 8}), "locked"));
  CHECK(detail(row, {2, 9}).at("locked") == true);
  CHECK_FALSE(has(detail(row, {2, 18}), "description"));
  row.has_description = false;
  CHECK(detail(row, {2, 19}).at("description").is_null());
  row.has_description = true;
  row.description = "d";
  CHECK(detail(row, {2, 19}).at("description") == "d");
  CHECK_FALSE(has(detail(row, {2, 25}), "tags"));
  CHECK(detail(row, {2, 26}).at("tags") == json::array{});
}

TEST_CASE("views: the extended server attributes are for admins only",
          "[views]") {
  auto d = detail(sample(), {2, 1}, admin);
  CHECK(d.at("OS-EXT-SRV-ATTR:host") == "compute-1");
  CHECK(d.at("OS-EXT-SRV-ATTR:hypervisor_hostname") == "compute-1");
  CHECK(d.at("OS-EXT-SRV-ATTR:instance_name") == "instance-00000007");
  auto unplaced = sample(vm_state::building, task_state::scheduling);
  unplaced.host.clear();
  CHECK(detail(unplaced, {2, 1}, admin).at("OS-EXT-SRV-ATTR:host").is_null());
}

TEST_CASE("views: without the extended attributes (PUT's answer) only the "
          "base fields",
          "[views]") {
  auto d = server_detail(sample(), base, admin, {2, 19}, false);
  for (auto key : {"OS-EXT-AZ:availability_zone", "config_drive", "key_name",
                   "security_groups", "OS-SRV-USG:launched_at",
                   "OS-EXT-STS:vm_state", "OS-EXT-SRV-ATTR:host",
                   "os-extended-volumes:volumes_attached"}) {
    INFO(key);
    CHECK_FALSE(has(d, key));
  }
  CHECK(has(d, "status"));
  CHECK(has(d, "description"));
}

TEST_CASE("views: status is derived as nova/api/openstack/common.py does",
          "[views]") {
  using vm = vm_state;
  using task = task_state;
  CHECK(status_of(vm::building, task::scheduling) == "BUILD");
  CHECK(status_of(vm::building, task::spawning) == "BUILD");
  CHECK(status_of(vm::active, task::none) == "ACTIVE");
  CHECK(status_of(vm::active, task::rebooting) == "REBOOT");
  CHECK(status_of(vm::active, task::rebooting_hard) == "HARD_REBOOT");
  CHECK(status_of(vm::active, task::powering_off) == "ACTIVE");
  CHECK(status_of(vm::stopped, task::none) == "SHUTOFF");
  CHECK(status_of(vm::stopped, task::powering_on) == "SHUTOFF");
  CHECK(status_of(vm::paused, task::none) == "PAUSED");
  CHECK(status_of(vm::suspended, task::resuming) == "SUSPENDED");
  CHECK(status_of(vm::error, task::none) == "ERROR");
  CHECK(status_of(vm::deleted, task::none) == "DELETED");
  CHECK(status_of(vm::soft_deleted, task::none) == "SOFT_DELETED");
  // Nova's _STATE_MAP: snapshots keep the status, shelving has its own.
  CHECK(status_of(vm::active, task::image_snapshot) == "ACTIVE");
  CHECK(status_of(vm::stopped, task::image_uploading) == "SHUTOFF");
  CHECK(status_of(vm::active, task::shelving) == "ACTIVE");
  CHECK(status_of(vm::shelved, task::none) == "SHELVED");
  CHECK(status_of(vm::shelved, task::shelving_offloading) == "SHELVED");
  CHECK(status_of(vm::shelved_offloaded, task::none) == "SHELVED_OFFLOADED");
  CHECK(status_of(vm::shelved_offloaded, task::unshelving)
        == "SHELVED_OFFLOADED");
  // Rescue: RESCUE while rescuing an ACTIVE server and once rescued.
  CHECK(status_of(vm::active, task::rescuing) == "RESCUE");
  CHECK(status_of(vm::stopped, task::rescuing) == "SHUTOFF");
  CHECK(status_of(vm::rescued, task::none) == "RESCUE");
  CHECK(status_of(vm::rescued, task::unrescuing) == "RESCUE");
  // A delete in progress does not change the status.
  CHECK(status_of(vm::active, task::deleting) == "ACTIVE");
  CHECK(status_of(vm::error, task::deleting) == "ERROR");
  CHECK(status_of(vm::building, task::deleting) == "BUILD");
}

TEST_CASE("views: progress only while ACTIVE or BUILD", "[views]") {
  CHECK(has(detail(sample(vm_state::building)), "progress"));
  CHECK_FALSE(has(detail(sample(vm_state::stopped)), "progress"));
  CHECK_FALSE(has(detail(sample(vm_state::error)), "progress"));
  CHECK_FALSE(has(detail(sample(vm_state::active, task_state::rebooting)),
                  "progress"));
}

TEST_CASE("views: a fault shows in ERROR and DELETED, its details to admins "
          "or when its code is not 500",
          "[views]") {
  auto d = detail(failed(500));
  CHECK(fault_of(d)
        == json::object{{"code", 500},
                        {"message", "boom"},
                        {"created", "2025-11-25T16:27:13Z"}});
  CHECK(fault_of(detail(failed(500), {2, 1}, admin)).at("details")
        == "trace");
  CHECK(fault_of(detail(failed(400))).at("details") == "trace");
  auto deleted = failed(500);
  deleted.vm = vm_state::deleted;
  CHECK(has(detail(deleted), "fault"));
  // A fault of an earlier failure is not shown once the instance is fine.
  auto recovered = failed(500);
  recovered.vm = vm_state::active;
  CHECK_FALSE(has(detail(recovered), "fault"));
}

namespace {

image snapshot_image() {
  image img = make_image("c4e552d2-0000-4000-8000-000000000001", "snap");
  img.status = "active";
  img.size = 196616;
  img.virtual_size = 67108864;
  img.min_ram_mb = 512;
  img.min_disk_gb = 1;
  img.owner = "p";
  img.checksum = "41ce4d32ce22529a293044bc1eb4e734";
  img.os_hash_algo = "sha512";
  img.os_hash_value = "2e45";
  img.properties = {{"instance_uuid", "11111111-2222-4333-8444-555555555555"},
                    {"image_type", "snapshot"},
                    {"hw_disk_bus", "virtio"}};
  img.created_at = "2026-12-01T14:41:39Z";
  img.updated_at = "2026-12-01T14:41:40Z";
  return img;
}

} // namespace

TEST_CASE("views: an image of the proxy has Nova's links, the alternate "
          "at the image service",
          "[views][images]") {
  auto img = snapshot_image();
  auto b = image_brief(img, base);
  CHECK(b.size() == 3);
  CHECK(b.at("id") == json::value(img.id));
  CHECK(b.at("name") == "snap");
  auto& links = b.at("links").as_array();
  REQUIRE(links.size() == 3);
  CHECK(links[0].at("href")
        == json::value("http://api:8774/v2.1/images/" + img.id));
  CHECK(links[1].at("rel") == "bookmark");
  CHECK(links[1].at("href")
        == json::value("http://api:8774/images/" + img.id));
  CHECK(links[2].at("rel") == "alternate");
  CHECK(links[2].at("type") == "application/vnd.openstack.image");
}

TEST_CASE("views: an image's detail is Nova's show: status, progress, "
          "sizes, properties as metadata, the snapshot's server",
          "[views][images]") {
  auto d = image_detail(snapshot_image(), base);
  CHECK(d.at("status") == "ACTIVE");
  CHECK(d.at("progress") == 100);
  CHECK(d.at("minRam") == 512);
  CHECK(d.at("minDisk") == 1);
  CHECK(d.at("OS-EXT-IMG-SIZE:size") == 196616);
  CHECK(d.at("created") == "2026-12-01T14:41:39Z");
  CHECK(d.at("updated") == "2026-12-01T14:41:40Z");
  CHECK(d.at("metadata")
        == json::object{{"instance_uuid",
                         "11111111-2222-4333-8444-555555555555"},
                        {"image_type", "snapshot"},
                        {"hw_disk_bus", "virtio"}});
  auto& server = d.at("server").as_object();
  CHECK(server.at("id") == "11111111-2222-4333-8444-555555555555");
  CHECK(server.at("links").as_array().at(0).at("href")
        == "http://api:8774/v2.1/servers/11111111-2222-4333-8444-555555555555");
  CHECK_FALSE(d.contains("OS-DCF:diskConfig"));
  auto plain = make_image("i", "cirros");
  plain.properties["auto_disk_config"] = "True";
  auto p = image_detail(plain, base);
  CHECK_FALSE(p.contains("server"));
  CHECK(p.at("OS-DCF:diskConfig") == "AUTO");
  CHECK(p.at("OS-EXT-IMG-SIZE:size") == 0); // Glance's null size
  CHECK(p.at("created").is_null());
  plain.properties["auto_disk_config"] = "disabled";
  CHECK(image_detail(plain, base).at("OS-DCF:diskConfig") == "MANUAL");
}

TEST_CASE("views: Glance's statuses as Nova's proxy shows them",
          "[views][images]") {
  std::pair<const char*, const char*> rows[] = {
    {"active", "ACTIVE"},   {"queued", "SAVING"},
    {"saving", "SAVING"},   {"deleted", "DELETED"},
    {"pending_delete", "DELETED"}, {"killed", "ERROR"},
    {"deactivated", "UNKNOWN"}, {"importing", "UNKNOWN"}};
  for (auto& [glance, nova] : rows) {
    INFO(glance);
    CHECK(image_status(glance) == nova);
  }
  auto img = make_image("i", "q");
  std::pair<const char*, int> progress[] = {
    {"queued", 25}, {"saving", 50}, {"active", 100}, {"killed", 0}};
  for (auto& [status, pct] : progress) {
    img.status = status;
    CHECK(image_detail(img, base).at("progress") == pct);
  }
}

TEST_CASE("views: an image as Glance v2 answers it", "[views][images]") {
  auto g = glance_image(snapshot_image());
  CHECK(g.at("id") == "c4e552d2-0000-4000-8000-000000000001");
  CHECK(g.at("status") == "active");
  CHECK(g.at("visibility") == "public");
  CHECK(g.at("size") == 196616);
  CHECK(g.at("virtual_size") == 67108864);
  CHECK(g.at("min_ram") == 512);
  CHECK(g.at("disk_format") == "qcow2");
  CHECK(g.at("container_format") == "bare");
  CHECK(g.at("owner") == "p");
  CHECK(g.at("protected") == false);
  CHECK(g.at("tags") == json::array{});
  CHECK(g.at("self") == "/v2/images/c4e552d2-0000-4000-8000-000000000001");
  CHECK(g.at("file")
        == "/v2/images/c4e552d2-0000-4000-8000-000000000001/file");
  CHECK(g.at("schema") == "/v2/schemas/image");
  // Custom properties are top-level keys.
  CHECK(g.at("hw_disk_bus") == "virtio");
  CHECK(g.at("image_type") == "snapshot");
  CHECK_FALSE(g.contains("properties"));
  auto queued = make_image("q", "q");
  queued.status = "queued";
  auto gq = glance_image(queued);
  for (auto key : {"size", "virtual_size", "checksum", "os_hash_algo",
                   "os_hash_value", "owner"}) {
    INFO(key);
    CHECK(gq.at(key).is_null());
  }
  auto v = glance_versions("http://api:8774");
  CHECK(v.at("versions").as_array().at(0).at("links").as_array().at(0).at(
          "href")
        == "http://api:8774/v2/");
}

TEST_CASE("views: addresses by network label, extended with type and MAC "
          "as Nova shows Neutron ports; config_drive True or empty",
          "[views]") {
  auto row = sample();
  network net{"n-1", "private", "10.42.0.0/24", "10.42.0.1", {"10.42.0.1"},
              "vmf-private"};
  network other{"n-2", "other", "10.43.0.0/24", "10.43.0.1", {}, "vmf-other"};
  row.vifs = {vif{"p-1", net, "fa:16:3e:00:00:02", "10.42.0.2"},
              vif{"p-2", other, "fa:16:3e:00:00:03", "10.43.0.3"},
              vif{"p-3", net, "fa:16:3e:00:00:04", "10.42.0.4"}};
  row.config_drive = true;
  auto d = detail(row);
  auto& addrs = d.at("addresses").as_object();
  REQUIRE(addrs.size() == 2);
  REQUIRE(addrs.at("private").as_array().size() == 2);
  CHECK(addrs.at("private").as_array()[0]
        == json::object{{"version", 4},
                        {"addr", "10.42.0.2"},
                        {"OS-EXT-IPS:type", "fixed"},
                        {"OS-EXT-IPS-MAC:mac_addr", "fa:16:3e:00:00:02"}});
  CHECK(addrs.at("private").as_array()[1].at("addr") == "10.42.0.4");
  CHECK(addrs.at("other").as_array()[0].at("addr") == "10.43.0.3");
  CHECK(d.at("config_drive") == "True");
  CHECK(addresses_view(row.vifs, false).at("other").as_array()[0]
        == json::object{{"version", 4}, {"addr", "10.43.0.3"}});
  row.config_drive = false;
  CHECK(detail(row).at("config_drive") == "");
}

TEST_CASE("views: os-networks' and os-interface's entries", "[views]") {
  network net{"n-1", "private", "10.42.0.0/24", "10.42.0.1", {"10.42.0.1"},
              "vmf-private"};
  auto n = network_view(net, false);
  CHECK(n.at("id") == "n-1");
  CHECK(n.at("label") == "private");
  CHECK(n.at("cidr") == "10.42.0.0/24");
  CHECK(n.at("netmask") == "255.255.255.0");
  CHECK(n.at("broadcast") == "10.42.0.255");
  CHECK(n.at("gateway") == "10.42.0.1");
  CHECK(n.at("dns1") == "10.42.0.1");
  CHECK(n.at("dns2").is_null());
  CHECK(n.at("cidr_v6").is_null());
  CHECK_FALSE(n.contains("bridge"));
  auto admin = network_view(net, true);
  CHECK(admin.at("bridge") == "vmf-private");
  CHECK(admin.at("vlan").is_null());
  vif v{"p-1", net, "fa:16:3e:00:00:02", "10.42.0.2"};
  auto i = interface_view(v, false);
  CHECK(i.at("port_state") == "ACTIVE");
  CHECK(i.at("port_id") == "p-1");
  CHECK(i.at("net_id") == "n-1");
  CHECK(i.at("mac_addr") == "fa:16:3e:00:00:02");
  auto& ip = i.at("fixed_ips").as_array().at(0).as_object();
  CHECK(ip.at("ip_address") == "10.42.0.2");
  // The subnet's id is the same at every call.
  CHECK(ip.at("subnet_id")
        == interface_view(v, false).at("fixed_ips").as_array()[0].at(
          "subnet_id"));
  CHECK_FALSE(i.contains("tag"));
  CHECK(interface_view(v, true).at("tag").is_null());
}

TEST_CASE("views: a flavor's description from 2.55, its extra specs from "
          "2.61",
          "[views][flavors]") {
  flavor f;
  f.id = "ssd";
  f.name = "m1.ssd";
  f.extra_specs = {{"ssd", "true"}};
  auto old = flavor_detail(f, base, api_version{2, 54});
  CHECK_FALSE(old.contains("description"));
  CHECK_FALSE(old.contains("extra_specs"));
  auto brief = flavor_brief(f, base, api_version{2, 55});
  CHECK(brief.at("description").is_null());
  f.has_description = true;
  f.description = "fast";
  auto v255 = flavor_detail(f, base, api_version{2, 55});
  CHECK(v255.at("description") == "fast");
  CHECK_FALSE(v255.contains("extra_specs"));
  auto v261 = flavor_detail(f, base, api_version{2, 61});
  CHECK(v261.at("extra_specs") == json::object{{"ssd", "true"}});
  CHECK(v261.at("os-flavor-access:is_public") == true);
}
