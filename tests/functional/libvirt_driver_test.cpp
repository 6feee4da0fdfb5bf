#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <libvirt/libvirt.h>

#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/functional/fixture.hpp"
#include "tests/support/libvirt_workspace.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;

// Pipelines of libvirt hosts on libvirt's test:///default, a hypervisor
// inside this process (the driver alone: tests/unit/drivers/libvirt).
TEST_CASE("libvirt: 1,000 builds through the pipeline on 10 test-driver hosts",
          "[libvirt][pipeline]") {
  libvirt_workspace ws;
  auto opts = test_options(10);
  auto prefix = "lvp-" + make_uuid().substr(0, 8) + "-";
  for (auto& h : opts.hosts) {
    h.name = prefix + h.name;
    // The test node is small (16 vCPUs, 3 GiB): the operator's numbers win.
    h.capacity = {1000, 1000000, 10000};
  }
  opts.images = {ws.img};
  opts.instances_path = ws.instances_path();
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
harness libvirt_pipeline(const libvirt_workspace& ws, int hosts,
                         std::map<std::string, std::string> uri = {}) {
  auto opts = test_options(hosts);
  auto prefix = "lve-" + make_uuid().substr(0, 8) + "-";
  for (auto& h : opts.hosts) {
    h.name = prefix + h.name;
    h.capacity = {100, 100000, 1000};
  }
  opts.images = {ws.img};
  opts.instances_path = ws.instances_path();
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
  libvirt_workspace ws;
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
  libvirt_workspace ws;
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
