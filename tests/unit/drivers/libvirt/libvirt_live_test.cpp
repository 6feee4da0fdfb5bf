// The libvirt driver's networking on a REAL libvirtd with qemu (TCG):
// hidden cases, run by tests/integration/libvirt_network_test.py, which
// starts a private libvirtd (tests/integration/libvirtd.py), picks a
// bridge name and a subnet no other network of the machine uses, and
// passes them in the environment:
//
//   LIBVIRT_LIVE_URI      the daemon's URI
//   LIBVIRT_LIVE_DIR      a directory libvirt-qemu can read (instances_path
//                         goes in it, and the blank qcow2 base file
//                         LIBVIRT_LIVE_DIR/base.qcow2)
//   LIBVIRT_LIVE_BRIDGE   the network (and bridge) to make
//   LIBVIRT_LIVE_CIDR     its subnet, a.b.c.0/24
//
// The script removes the network afterwards (its bridge is the host's).
//
//   build/bin/unit_tests "[libvirt-live]"
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <libvirt/libvirt.h>

#include "config/options.hpp"
#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/support/libvirt_networks.hpp"
#include "tests/support/live_env.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

std::string env(const char* name) {
  return live_env(name, "tests/integration/libvirt_network_test.py");
}

std::string domain_xml(virConnectPtr conn, const std::string& id) {
  auto d = virDomainLookupByUUIDString(conn, id.c_str());
  if (!d)
    return {};
  auto c = virDomainGetXMLDesc(d, 0);
  std::string out = c ? c : "";
  free(c);
  virDomainFree(d);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

TEST_CASE("live libvirt: a guest's vif is a DHCP host entry on a NAT "
          "network and an interface on its bridge, until destroy",
          "[.libvirt-live]") {
  auto uri = env("LIBVIRT_LIVE_URI");
  auto dir = env("LIBVIRT_LIVE_DIR");
  auto bridge = env("LIBVIRT_LIVE_BRIDGE");
  auto cidr = env("LIBVIRT_LIVE_CIDR");
  auto prefix = cidr.substr(0, cidr.rfind('.') + 1);
  libvirt_settings cfg;
  cfg.host = "live-" + make_uuid().substr(0, 8);
  cfg.uri = uri;
  cfg.instances_path = dir + "/instances";
  cfg.virt_type = "qemu";
  cfg.tcg_tb_cache_mb = 16;
  cfg.shutdown_timeout_s = 0;
  std::vector<std::string> errors;
  cfg.on_call_error = [&](const std::string& call) { errors.push_back(call); };
  libvirt_driver drv{cfg};
  spawn_spec spec;
  spec.instance_id = make_uuid();
  spec.instance_name = "instance-live" + spec.instance_id.substr(0, 4);
  spec.flavor_ = default_flavors()[0];
  spec.flavor_.ram_mb = 128;
  spec.image_ = make_image(make_uuid(), "blank", dir + "/base.qcow2");
  spec.image_.properties["hw_rng_model"] = "virtio";
  spec.display_name = "live";
  spec.project_id = "p";
  spec.base_file = dir + "/base.qcow2";
  vif v;
  v.id = make_uuid();
  v.net = {make_uuid(), "private", cidr, prefix + "1", {}, bridge};
  v.mac = "fa:16:3e:" + spec.instance_id.substr(0, 2) + ":"
          + spec.instance_id.substr(2, 2) + ":" + spec.instance_id.substr(4, 2);
  v.address = prefix + "10";
  spec.vifs = {v};

  auto st = drv.spawn(spec);
  INFO(st.reason);
  REQUIRE(st.ok);
  auto conn = virConnectOpen(uri.c_str());
  REQUIRE(conn);
  auto net = described_network(conn, bridge);
  CHECK_THAT(net, Catch::Contains("<forward mode='nat'"));
  CHECK_THAT(net, Catch::Contains("<ip address='" + prefix + "1' prefix='24'>"));
  auto entry = "<host mac='" + v.mac + "' name='" + spec.instance_name
               + "' ip='" + v.address + "'/>";
  CHECK_THAT(net, Catch::Contains(entry));
  CHECK_THAT(net, !Catch::Contains("<range"));
  // dnsmasq answers this MAC, and only the MACs listed.
  CHECK_THAT(read_file("/var/lib/libvirt/dnsmasq/" + bridge + ".hostsfile"),
             Catch::Contains(v.mac + "," + v.address + ","
                             + spec.instance_name));
  CHECK_THAT(read_file("/var/lib/libvirt/dnsmasq/" + bridge + ".conf"),
             Catch::Contains("dhcp-range=" + prefix + "1,static"));
  CHECK(std::filesystem::exists("/sys/class/net/" + bridge));
  auto dom = domain_xml(conn, spec.instance_id);
  CHECK_THAT(dom, Catch::Contains("<domain type='qemu'"));
  CHECK_THAT(dom, Catch::Contains("<mac address='" + v.mac + "'/>"));
  CHECK_THAT(dom, Catch::Contains("<source network='" + bridge + "'"));
  CHECK_THAT(dom, Catch::Contains("bridge='" + bridge + "'"));
  CHECK_THAT(dom, Catch::Contains("<model type='virtio'/>"));
  CHECK_THAT(dom, Catch::Contains("<tb-cache unit='KiB'>16384</tb-cache>"));
  CHECK_THAT(dom, Catch::Contains("<rng model='virtio'>"));

  // A second guest's plug is an update of the running network.
  auto other = spec;
  other.instance_id = make_uuid();
  other.instance_name = spec.instance_name + "b";
  other.vifs[0].mac = v.mac.substr(0, 15) + "ff";
  other.vifs[0].address = prefix + "11";
  st = drv.spawn(other);
  INFO(st.reason);
  REQUIRE(st.ok);
  CHECK_THAT(read_file("/var/lib/libvirt/dnsmasq/" + bridge + ".hostsfile"),
             Catch::Contains(other.vifs[0].mac + "," + other.vifs[0].address));

  REQUIRE(drv.destroy(spec.instance_id).ok);
  net = described_network(conn, bridge);
  CHECK_THAT(net, !Catch::Contains(entry));
  CHECK_THAT(net, Catch::Contains(other.vifs[0].mac));
  REQUIRE(drv.destroy(other.instance_id).ok);
  net = described_network(conn, bridge);
  // The network stays, the host's, with no entries.
  CHECK_THAT(net, Catch::Contains("<name>" + bridge + "</name>"));
  CHECK_THAT(net, !Catch::Contains("<host "));
  CHECK(errors.empty());
  virConnectClose(conn);
}
