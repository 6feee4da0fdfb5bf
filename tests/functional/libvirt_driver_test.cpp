#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <libvirt/libvirt.h>

#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/functional/fixture.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;

// libvirt's test:///default: a hypervisor inside this process, shared by
// every connection to it (so each test uses hosts of its own names).
namespace {

struct workspace {
  temp_dir tmp;
  std::filesystem::path dir = tmp.path;
  image img{make_uuid(), "tiny", (dir / "tiny.qcow2").string(), "qcow2", 0, 0};
  workspace() {
    // The test hypervisor reads nothing from it; it only has to exist.
    std::ofstream{img.file} << "QFI\xfb";
  }
  // The disk pool is the process's (test:///default is); the next test's
  // instances_path is another directory.
  ~workspace() {
    auto conn = virConnectOpen("test:///default");
    if (auto pool = virStoragePoolLookupByName(conn, "vmforge-instances")) {
      virStoragePoolDestroy(pool);
      virStoragePoolFree(pool);
    }
    virConnectClose(conn);
  }
  libvirt_settings settings(std::string host,
                           std::string uri = "test:///default") const {
    libvirt_settings cfg;
    cfg.host = std::move(host);
    cfg.uri = std::move(uri);
    cfg.instances_path = (dir / "instances").string();
    return cfg;
  }
  spawn_spec spec(int64_t db_id) const {
    return {make_uuid(), instance_name(db_id), default_flavors()[0], img,
            "vm", "project"};
  }
};

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
  workspace ws;
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
  workspace ws;
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

TEST_CASE("libvirt: a missing image fails for good and leaves nothing",
          "[libvirt]") {
  workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto spec = ws.spec(900002);
  spec.image_.file = (ws.dir / "missing.qcow2").string();
  auto before = volumes();
  auto st = drv.spawn(spec);
  CHECK_FALSE(st.ok);
  CHECK_FALSE(st.retryable);
  CHECK_THAT(st.reason, Catch::Contains("missing.qcow2 not found"));
  CHECK(drv.list_instances().empty());
  CHECK(volumes() == before);
}

TEST_CASE("libvirt: host capacity comes from the node and the pool",
          "[libvirt]") {
  workspace ws;
  libvirt_driver drv{ws.settings("lv-" + make_uuid())};
  auto cap = drv.host_capacity();
  CHECK(cap.vcpus == 16);      // test:///default's node
  CHECK(cap.ram_mb == 3072);
  CHECK(cap.disk_gb > 0);
}

TEST_CASE("libvirt: 1,000 builds through the pipeline on 10 test-driver hosts",
          "[libvirt][pipeline]") {
  workspace ws;
  auto opts = test_options(10);
  auto prefix = "lvp-" + make_uuid().substr(0, 8) + "-";
  for (auto& h : opts.hosts) {
    h.name = prefix + h.name;
    // The test node is small (16 vCPUs, 3 GiB): the operator's numbers win.
    h.capacity = {1000, 1000000, 10000};
  }
  opts.images = {ws.img};
  harness h{opts, [&ws](const host_config& host) -> driver_ptr {
              return std::make_shared<libvirt_driver>(ws.settings(host.name));
            }};
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(h.create("lv-" + std::to_string(i)));
  for (auto& id : ids)
    REQUIRE(h.wait_final(id, std::chrono::seconds{60}).vm == vm_state::active);
  size_t domains = 0;
  for (auto& kv : h.p->drivers)
    domains += kv.second->list_instances().size();
  CHECK(domains == 1000);
  for (auto& id : ids)
    REQUIRE(h.remove(id));
  for (auto& id : ids)
    REQUIRE(h.wait_deleted(id, std::chrono::seconds{60}));
  domains = 0;
  for (auto& kv : h.p->drivers)
    domains += kv.second->list_instances().size();
  CHECK(domains == 0);
}

namespace {

// A pipeline of libvirt hosts on test:///default (unless `uri` names
// another hypervisor for a host), with the operator's capacity.
harness libvirt_pipeline(const workspace& ws, int hosts,
                         std::map<std::string, std::string> uri = {}) {
  auto opts = test_options(hosts);
  auto prefix = "lve-" + make_uuid().substr(0, 8) + "-";
  for (auto& h : opts.hosts) {
    h.name = prefix + h.name;
    h.capacity = {100, 100000, 1000};
  }
  opts.images = {ws.img};
  return harness{opts, [&ws, uri](const host_config& host) -> driver_ptr {
                   auto i = uri.find(host.name.substr(host.name.rfind('-') + 1));
                   return std::make_shared<libvirt_driver>(ws.settings(
                     host.name, i == uri.end() ? "test:///default" : i->second));
                 }};
}

// Another client of the process's test hypervisor, acting behind
// vmforge's back as `virsh` would.
void destroy_behind_our_back(const std::string& id) {
  auto conn = virConnectOpen("test:///default");
  auto dom = virDomainLookupByUUIDString(conn, id.c_str());
  REQUIRE(dom);
  REQUIRE(virDomainDestroy(dom) == 0);
  virDomainFree(dom);
  virConnectClose(conn);
}

} // namespace

TEST_CASE("libvirt: a guest stopped outside vmforge becomes SHUTOFF",
          "[libvirt][events]") {
  workspace ws;
  auto h = libvirt_pipeline(ws, 1);
  auto id = h.create("watched");
  REQUIRE(h.wait_final(id).vm == vm_state::active);
  auto other = h.create("untouched");
  REQUIRE(h.wait_final(other).vm == vm_state::active);
  destroy_behind_our_back(id);
  REQUIRE(h.wait_state(id, vm_state::stopped, task_state::none, 10s));
  CHECK(h.show(id)->power == power_state::shutdown);
  CHECK(h.show(other)->vm == vm_state::active);
  // Our own stop and start are not mistaken for the guest's doing.
  REQUIRE(h.act(other, "os-stop"));
  REQUIRE(h.wait_state(other, vm_state::stopped, task_state::none));
  REQUIRE(h.act(other, "os-start"));
  REQUIRE(h.wait_state(other, vm_state::active, task_state::none));
  REQUIRE(h.act(id, "os-start"));
  REQUIRE(h.wait_state(id, vm_state::active, task_state::none));
  std::this_thread::sleep_for(500ms); // late events would land by now
  CHECK(h.show(other)->vm == vm_state::active);
  CHECK(h.show(other)->power == power_state::running);
  CHECK(h.show(id)->vm == vm_state::active);
}

TEST_CASE("libvirt: an unreachable hypervisor takes no builds until it "
          "answers", "[libvirt][reconnect]") {
  workspace ws;
  // test:///FILE is a test hypervisor described by FILE: while the file is
  // missing the connection fails, as it does to a stopped libvirtd.
  auto node = ws.dir / "node.xml";
  auto h = libvirt_pipeline(ws, 2, {{"1", "test://" + node.string()}});
  auto down = h.p->drivers.begin()->first;
  REQUIRE(down.substr(down.rfind('-') + 1) == "1");
  auto views = [&] {
    for (auto& v : h.host_views())
      if (v.host == down)
        return v;
    FAIL("no view of " << down);
    return host_view{};
  };
  REQUIRE(h.wait_for([&] { return !views().enabled; }, 5s));
  CHECK(views().disabled_reason.rfind("AUTO: Connection to libvirt lost: ", 0) == 0);
  for (int i = 0; i < 20; ++i) {
    auto id = h.create("elsewhere-" + std::to_string(i));
    REQUIRE(h.wait_final(id).vm == vm_state::active);
    CHECK(h.show(id)->host != down);
  }
  std::ofstream{node} << "<node><cpu><mhz>2000</mhz></cpu></node>";
  // The driver retries with back-off (1 s, 2 s, ...).
  REQUIRE(h.wait_for([&] { return views().enabled; }, 10s));
  CHECK(views().disabled_reason.empty());
}

TEST_CASE("libvirt: the disk pool follows instances_path unless an operator "
          "defined it", "[libvirt]") {
  workspace ws;
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
  workspace ws;
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
