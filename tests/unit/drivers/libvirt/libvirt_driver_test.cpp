#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <libvirt/libvirt.h>

#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/support/libvirt_networks.hpp"
#include "tests/support/libvirt_workspace.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;

// The driver alone on libvirt's test:///default, a hypervisor inside this
// process.
namespace {

// The disk volumes the instance pool holds (every host's).
int volumes() {
  auto conn = virConnectOpen("test:///default");
  auto pool = virStoragePoolLookupByName(conn, "vmforge-instances");
  auto n = pool ? virStoragePoolNumOfVolumes(pool) : 0;
  if (pool)
    virStoragePoolFree(pool);
  virConnectClose(conn);
  return n;
}

} // namespace

TEST_CASE("libvirt: spawn, power actions and destroy on test:///default",
          "[libvirt]") {
  libvirt_workspace ws;
  auto host = "lv-" + make_uuid();
  libvirt_driver drv{ws.settings(host)};
  auto before = volumes();
  auto spec = ws.spec(900001);
  REQUIRE(drv.spawn(spec).ok);
  auto id = spec.instance_id;
  CHECK(drv.get_power_state(id) == power_state::running);
  CHECK(drv.list_instances() == std::vector<std::string>{id});
  CHECK(volumes() == before + 1);
  // Another host on the same hypervisor does not see it.
  libvirt_driver other{ws.settings("other-" + make_uuid())};
  CHECK(other.list_instances().empty());
  CHECK(drv.power_off(id).ok);
  CHECK(drv.get_power_state(id) == power_state::shutdown);
  CHECK(drv.power_on(id).ok);
  CHECK(drv.get_power_state(id) == power_state::running);
  CHECK(drv.reboot(id).ok);
  CHECK(drv.get_power_state(id) == power_state::running);
  CHECK(drv.pause(id).ok);
  CHECK(drv.get_power_state(id) == power_state::paused);
  CHECK(drv.unpause(id).ok);
  CHECK(drv.suspend(id).ok);
  CHECK(drv.get_power_state(id) == power_state::suspended);
  CHECK(drv.resume(id).ok);
  CHECK(drv.get_power_state(id) == power_state::running);
  CHECK(drv.destroy(id).ok);
  CHECK(drv.list_instances().empty());
  CHECK(drv.get_power_state(id) == power_state::nostate);
  CHECK(volumes() == before);
  CHECK(drv.destroy(id).ok); // destroying what is gone succeeds
  auto pwr = drv.power_on(id);
  CHECK_FALSE(pwr.ok);
  CHECK(pwr.reason == "Instance " + id + " could not be found.");
}

TEST_CASE("libvirt: the domain is named and described as Nova's",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("h<&>")};
  auto spec = ws.spec(42);
  auto xml = drv.domain_xml(spec, "/pool/disk.qcow2");
  CHECK_THAT(xml, Catch::Contains("<name>instance-0000002a</name>"));
  CHECK_THAT(xml, Catch::Contains("<uuid>" + spec.instance_id + "</uuid>"));
  CHECK_THAT(xml, Catch::Contains("<memory unit='MiB'>512</memory>"));
  CHECK_THAT(xml, Catch::Contains("<vmforge:host>h&lt;&amp;&gt;</vmforge:host>"));
  CHECK_THAT(xml, Catch::Contains("<vmforge:flavor>m1.tiny</vmforge:flavor>"));
  CHECK_THAT(xml, Catch::Contains("/" + spec.instance_id + "/console.log"));
}

TEST_CASE("libvirt: a config drive is an IDE CD-ROM, made at spawn, gone at "
          "destroy, and the console log is read back",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto spec = ws.spec(900006);
  auto dir = std::filesystem::path{ws.instances_path()} / spec.instance_id;
  CHECK_THAT(drv.domain_xml(spec, "/pool/disk.qcow2"),
             !Catch::Contains("device='cdrom'"));
  spec.guest.config_drive = true;
  auto xml = drv.domain_xml(spec, "/pool/disk.qcow2");
  CHECK_THAT(xml, Catch::Contains(
                    "<disk type='file' device='cdrom'><driver name='qemu' "
                    "type='raw'/><source file='" + (dir / "disk.config").string()
                    + "'/><target dev='hdd' bus='ide'/><readonly/></disk>"));
  REQUIRE(drv.spawn(spec).ok);
  CHECK(std::filesystem::exists(dir / "disk.config"));
  std::string log;
  REQUIRE(drv.console_output(spec.instance_id, log).ok);
  CHECK(log.empty()); // test:/// runs no guest: no log yet
  std::ofstream{dir / "console.log"} << "guest says hi\n";
  REQUIRE(drv.console_output(spec.instance_id, log).ok);
  CHECK(log == "guest says hi\n");
  CHECK(drv.destroy(spec.instance_id).ok);
  CHECK_FALSE(std::filesystem::exists(dir));
  CHECK_FALSE(drv.console_output(spec.instance_id, log).ok);
}

TEST_CASE("libvirt: a missing base file is retryable and leaves nothing",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto spec = ws.spec(900002);
  spec.base_file = (ws.dir / "_base" / "missing").string();
  auto before = volumes();
  auto st = drv.spawn(spec);
  CHECK_FALSE(st.ok);
  // The base is this host's cache's: another host's may have it.
  CHECK(st.retryable);
  CHECK(st.reason == "Build of instance " + spec.instance_id
                       + " was re-scheduled: base file '" + spec.base_file
                       + "' of image " + spec.image_.id + " not found.");
  CHECK(drv.list_instances().empty());
  CHECK(volumes() == before);
}

TEST_CASE("libvirt: the instance's disk is a qcow2 overlay on the base file",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto spec = ws.spec(900003);
  // A raw base, as the cache keeps raw images.
  auto raw = ws.dir / "_base" / "raw-base";
  std::filesystem::create_directories(raw.parent_path());
  qemu_img_create(raw, "raw", "1M");
  spec.base_file = raw.string();
  spec.base_format = "raw";
  REQUIRE(drv.spawn(spec).ok);
  auto conn = virConnectOpen("test:///default");
  auto pool = virStoragePoolLookupByName(conn, "vmforge-instances");
  REQUIRE(pool);
  auto vol = virStorageVolLookupByName(pool,
                                       (spec.instance_id + ".qcow2").c_str());
  REQUIRE(vol);
  auto xml_c = virStorageVolGetXMLDesc(vol, 0);
  std::string xml = xml_c ? xml_c : "";
  free(xml_c);
  virStorageVolFree(vol);
  virStoragePoolFree(pool);
  virConnectClose(conn);
  CHECK_THAT(xml, Catch::Contains("<format type='qcow2'/>"));
  CHECK_THAT(xml, Catch::Contains("<backingStore>"));
  CHECK_THAT(xml, Catch::Contains("<path>" + raw.string() + "</path>"));
  CHECK_THAT(xml, Catch::Contains("<format type='raw'/>"));
  CHECK(drv.destroy(spec.instance_id).ok);
}

TEST_CASE("libvirt: host capacity comes from the node and the pool",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto cap = drv.host_capacity();
  CHECK(cap.vcpus == 16);      // test:///default's node
  CHECK(cap.ram_mb == 3072);
  CHECK(cap.disk_gb > 0);
}

TEST_CASE("libvirt: the disk pool follows instances_path unless an operator "
          "defined it", "[libvirt]") {
  libvirt_workspace ws;
  auto elsewhere = ws.settings("lv-" + make_uuid());
  elsewhere.instances_path = (ws.dir / "elsewhere").string();
  // The test hypervisor lives while a connection to it is open.
  auto conn = virConnectOpen("test:///default");
  {
    libvirt_driver drv{ws.settings("lv-" + make_uuid())};
    REQUIRE(drv.host_capacity().disk_gb > 0); // makes the pool
    libvirt_driver moved{elsewhere};
    auto spec = ws.spec(900003);
    REQUIRE(moved.spawn(spec).ok);
    auto pool = virStoragePoolLookupByName(conn, "vmforge-instances");
    REQUIRE(pool);
    auto desc = virStoragePoolGetXMLDesc(pool, 0);
    CHECK(std::string{desc}.find(elsewhere.instances_path) != std::string::npos);
    free(desc);
    virStoragePoolFree(pool);
    REQUIRE(moved.destroy(spec.instance_id).ok);
  }
  // The same pool, defined for good by an operator elsewhere.
  auto pool = virStoragePoolLookupByName(conn, "vmforge-instances");
  REQUIRE(pool);
  virStoragePoolDestroy(pool);
  virStoragePoolFree(pool);
  auto xml = "<pool type='dir'><name>vmforge-instances</name><target><path>"
             + (ws.dir / "operator").string() + "</path></target></pool>";
  pool = virStoragePoolDefineXML(conn, xml.c_str(), 0);
  REQUIRE(pool);
  REQUIRE(virStoragePoolCreate(pool, 0) == 0);
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto st = drv.spawn(ws.spec(900004));
  CHECK_FALSE(st.ok);
  CHECK(st.reason.find("is not in instances_path") != std::string::npos);
  virStoragePoolDestroy(pool);
  virStoragePoolUndefine(pool);
  virStoragePoolFree(pool);
  virConnectClose(conn);
}

TEST_CASE("libvirt: every failed call is counted by operation",
          "[libvirt][metrics]") {
  libvirt_workspace ws;
  std::map<std::string, int> errors;
  std::mutex mtx;
  auto counting = [&](libvirt_settings cfg) {
    cfg.on_call_error = [&](const std::string& call) {
      std::lock_guard<std::mutex> guard{mtx};
      ++errors[call];
    };
    return cfg;
  };
  // The unreachable driver's monitor thread counts its retries meanwhile.
  auto count = [&](const std::string& call) {
    std::lock_guard<std::mutex> guard{mtx};
    return errors[call];
  };
  libvirt_driver unreachable{
    counting(ws.settings("lv-" + make_uuid(), "test://" + (ws.dir / "none.xml").string()))};
  CHECK(count("connect") >= 1); // and again at each retry
  libvirt_driver drv{counting(ws.settings("lv-" + make_uuid()))};
  auto spec = ws.spec(900005);
  REQUIRE(drv.spawn(spec).ok);
  // The same name again: libvirt refuses the definition.
  auto twin = ws.spec(900005);
  CHECK_FALSE(drv.spawn(twin).ok);
  CHECK(count("define") == 1);
  REQUIRE(drv.pause(spec.instance_id).ok);
  CHECK_FALSE(drv.pause(spec.instance_id).ok); // already paused
  CHECK(count("pause") == 1);
  REQUIRE(drv.destroy(spec.instance_id).ok);
  std::lock_guard<std::mutex> guard{mtx};
  CHECK(errors.size() == 3);
}

TEST_CASE("libvirt: the hypervisor type is the connection's, or the one its "
          "URI names before any",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  CHECK(drv.hypervisor_type() == "TEST"); // virConnectGetType
  libvirt_driver test_file{ws.settings(
    "lv-" + make_uuid(), "test://" + (ws.dir / "none.xml").string())};
  CHECK(test_file.hypervisor_type() == "TEST");
  libvirt_driver qemu{ws.settings(
    "lv-" + make_uuid(),
    "qemu+unix:///system?socket=" + (ws.dir / "none.sock").string())};
  CHECK(qemu.hypervisor_type() == "QEMU");
}

TEST_CASE("libvirt: a snapshot on test:///default is a qcow2 and the guest "
          "runs on",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto out = (ws.dir / "snapshots" / "snap.qcow2").string();
  auto missing = drv.snapshot(make_uuid(), out);
  CHECK_FALSE(missing.ok);
  CHECK_FALSE(missing.retryable);
  auto spec = ws.spec(900007);
  REQUIRE(drv.spawn(spec).ok);
  auto made = drv.snapshot(spec.instance_id, out);
  INFO(made.reason);
  REQUIRE(made.ok);
  std::ifstream in{out, std::ios::binary};
  char magic[4] = {};
  in.read(magic, 4);
  CHECK(std::string(magic, 4) == std::string("QFI\xfb", 4));
  // Paused for the copy, running again after it.
  CHECK(drv.get_power_state(spec.instance_id) == power_state::running);
  // A stopped guest is copied as it is.
  REQUIRE(drv.power_off(spec.instance_id).ok);
  std::filesystem::remove(out);
  CHECK(drv.snapshot(spec.instance_id, out).ok);
  CHECK(drv.get_power_state(spec.instance_id) == power_state::shutdown);
  CHECK(drv.destroy(spec.instance_id).ok);
}

namespace {

vif network_vif(const std::string& bridge, const std::string& mac,
                const std::string& address) {
  vif v;
  v.id = make_uuid();
  v.net = {make_uuid(), "private", "10.42.0.0/24", "10.42.0.1", {}, bridge};
  v.mac = mac;
  v.address = address;
  return v;
}

// The DHCP host entries of a network of the process's test hypervisor.
std::vector<dhcp_host> entries(const std::string& bridge) {
  auto conn = virConnectOpen("test:///default");
  auto out = dhcp_hosts(described_network(conn, bridge));
  virConnectClose(conn);
  return out;
}

} // namespace

TEST_CASE("libvirt: each vif is an interface on its network, with the "
          "image's model", "[libvirt][network]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("h")};
  auto spec = ws.spec(42);
  spec.vifs = {network_vif("vmfbr0", "fa:16:3e:00:00:01", "10.42.0.5"),
               network_vif("vmfbr1", "fa:16:3e:00:00:02", "10.43.0.5")};
  auto xml = drv.domain_xml(spec, "/pool/disk.qcow2");
  CHECK_THAT(xml, Catch::Contains(
                    "<interface type='network'><mac address='fa:16:3e:00:00:01'/>"
                    "<source network='vmfbr0'/><model type='virtio'/></interface>"
                    "<interface type='network'><mac address='fa:16:3e:00:00:02'/>"
                    "<source network='vmfbr1'/><model type='virtio'/></interface>"));
  spec.image_.properties["hw_vif_model"] = "VirtualE1000";
  CHECK_THAT(drv.domain_xml(spec, "/d"), Catch::Contains("<model type='e1000'/>"));
  spec.vifs.clear();
  CHECK_THAT(drv.domain_xml(spec, "/d"), !Catch::Contains("<interface"));
}

TEST_CASE("libvirt: qemu guests get a bounded translation cache, kvm and "
          "test ones none", "[libvirt]") {
  libvirt_workspace ws;
  auto spec = ws.spec(42);
  // Never connected: domain_xml needs no hypervisor.
  auto qemu = ws.settings("h", "qemu+unix:///system?socket="
                                 + (ws.dir / "none.sock").string());
  qemu.virt_type = "qemu";
  qemu.tcg_tb_cache_mb = 48;
  auto xml = libvirt_driver{qemu}.domain_xml(spec, "/d");
  CHECK_THAT(xml, Catch::StartsWith("<domain type='qemu'>"));
  CHECK_THAT(xml, Catch::Contains("<features><acpi/><tcg><tb-cache unit='MiB'>"
                                  "48</tb-cache></tcg></features>"));
  qemu.tcg_tb_cache_mb = 0; // qemu's own size
  CHECK_THAT(libvirt_driver{qemu}.domain_xml(spec, "/d"),
             Catch::Contains("<features><acpi/></features>"));
  auto kvm = qemu;
  kvm.virt_type = "kvm";
  kvm.tcg_tb_cache_mb = 48;
  xml = libvirt_driver{kvm}.domain_xml(spec, "/d");
  CHECK_THAT(xml, Catch::StartsWith("<domain type='kvm'>"));
  CHECK_THAT(xml, !Catch::Contains("<tcg>"));
  libvirt_driver test{ws.settings("h")};
  CHECK_THAT(test.domain_xml(spec, "/d"), !Catch::Contains("<tcg>"));
}

TEST_CASE("libvirt: hw_rng_model=virtio gives the guest a virtio-rng",
          "[libvirt]") {
  libvirt_workspace ws;
  libvirt_driver drv{ws.settings("h")};
  auto spec = ws.spec(42);
  auto rng = "<rng model='virtio'><backend model='random'>/dev/urandom"
             "</backend></rng>";
  CHECK_THAT(drv.domain_xml(spec, "/d"), !Catch::Contains("<rng"));
  spec.image_.properties["hw_rng_model"] = "virtio";
  CHECK_THAT(drv.domain_xml(spec, "/d"), Catch::Contains(rng));
}

TEST_CASE("libvirt: a spawn plugs its vifs, destroy unplugs them, a failed "
          "spawn leaves no entry", "[libvirt][network]") {
  libvirt_workspace ws;
  std::vector<std::string> errors;
  auto cfg = ws.settings("lv-" + make_uuid());
  cfg.on_call_error = [&](const std::string& call) { errors.push_back(call); };
  libvirt_driver drv{cfg};
  auto bridge = "vt" + make_uuid().substr(0, 8);
  auto spec = ws.spec(900010);
  spec.vifs = {network_vif(bridge, "fa:16:3e:00:00:01", "10.42.0.5")};
  REQUIRE(drv.spawn(spec).ok);
  CHECK(entries(bridge)
        == std::vector<dhcp_host>{{"fa:16:3e:00:00:01", spec.instance_name,
                                   "10.42.0.5"}});
  // The same instance name again (names are unique: the same instance,
  // respawned with another port): its entry replaces the old one, then
  // libvirt refuses the definition (the name is taken), and the failed
  // spawn unplugs: no entry is left.
  auto twin = ws.spec(900010);
  twin.vifs = {network_vif(bridge, "fa:16:3e:00:00:02", "10.42.0.6")};
  CHECK_FALSE(drv.spawn(twin).ok);
  CHECK(entries(bridge).empty());
  CHECK(errors == std::vector<std::string>{"define"});
  // Destroy reads the MACs from the domain; a respawn plugs them again.
  REQUIRE(drv.destroy(spec.instance_id).ok);
  CHECK(entries(bridge).empty());
  REQUIRE(drv.spawn(spec).ok);
  CHECK(entries(bridge).size() == 1);
  REQUIRE(drv.destroy(spec.instance_id).ok);
  CHECK(entries(bridge).empty());
  CHECK(errors == std::vector<std::string>{"define"});
  auto conn = virConnectOpen("test:///default");
  remove_network(conn, bridge);
  virConnectClose(conn);
}
