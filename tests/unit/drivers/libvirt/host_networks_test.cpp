#include <catch2/catch.hpp>

#include <cstdlib>

#include <libvirt/libvirt.h>

#include "drivers/libvirt/host_networks.hpp"
#include "tests/support/libvirt_networks.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

vif make_vif(const std::string& bridge, const std::string& mac,
             const std::string& address, const std::string& cidr = "10.42.0.0/24") {
  vif v;
  v.id = make_uuid();
  v.net = {make_uuid(), "private", cidr, "10.42.0.1", {}, bridge};
  v.mac = mac;
  v.address = address;
  return v;
}

// The networks of libvirt's in-process test hypervisor, which lives while
// a connection to it is open; each test names its own network.
struct test_hypervisor {
  virConnectPtr conn = virConnectOpen("test:///default");
  std::string bridge = "vt" + make_uuid().substr(0, 8);
  std::vector<std::string> calls;
  host_networks nets{[this](const char* call) {
    calls.emplace_back(call);
    return std::string{"failed"};
  }};

  ~test_hypervisor() {
    remove_network(conn, bridge);
    virConnectClose(conn);
  }

  std::string net_xml() const {
    return described_network(conn, bridge);
  }

  std::vector<dhcp_host> hosts() const {
    return dhcp_hosts(net_xml());
  }
};

} // namespace

TEST_CASE("host networks: NAT with DHCP for host entries only",
          "[libvirt][network]") {
  network net{"id", "private", "10.42.0.0/24", "10.42.0.1", {}, "vmfbr0"};
  CHECK(network_xml(net)
        == "<network><name>vmfbr0</name><forward mode='nat'/>"
           "<bridge name='vmfbr0' stp='off' delay='0'/>"
           "<ip address='10.42.0.1' prefix='24'><dhcp/></ip></network>");
  net.cidr = "fd00::/64";
  CHECK(network_xml(net).empty());
  net.cidr = "10.42.0.0/33";
  CHECK(network_xml(net).empty());
}

TEST_CASE("host networks: subnets, DHCP hosts and a domain's interfaces read "
          "from libvirt's XML", "[libvirt][network]") {
  auto by_prefix = "<network><ip address='10.42.0.1' prefix='24'><dhcp>"
                   "<host mac='FA:16:3E:00:00:01' name='a' ip='10.42.0.5'/>"
                   "<host mac='fa:16:3e:00:00:02' ip='10.42.0.6'/>"
                   "</dhcp></ip><dns><host ip='10.42.0.9'><hostname>x"
                   "</hostname></host></dns></network>";
  CHECK(has_subnet(by_prefix, "10.42.0.0/24"));
  CHECK_FALSE(has_subnet(by_prefix, "10.42.0.0/16"));
  CHECK_FALSE(has_subnet(by_prefix, "10.43.0.0/24"));
  CHECK(has_subnet("<network><ip family='ipv6' address='fd00::1' prefix='64'/>"
                   "<ip address='192.168.5.1' netmask='255.255.254.0'/>"
                   "</network>",
                   "192.168.4.0/23"));
  CHECK_FALSE(has_subnet("<network/>", "10.42.0.0/24"));
  // DNS's <host> elements are not DHCP's.
  CHECK(dhcp_hosts(by_prefix)
        == std::vector<dhcp_host>{{"fa:16:3e:00:00:01", "a", "10.42.0.5"},
                                  {"fa:16:3e:00:00:02", "", "10.42.0.6"}});
  auto dom = "<domain><devices><interface type='network'>"
             "<mac address='FA:16:3E:00:00:01'/>"
             "<source network='vmfbr0' portid='x' bridge='vmfbr0'/>"
             "<model type='virtio'/></interface>"
             "<interface type='bridge'><mac address='52:54:00:00:00:01'/>"
             "<source bridge='br0'/></interface></devices></domain>";
  auto ifaces = domain_interfaces(dom);
  REQUIRE(ifaces.size() == 1);
  CHECK(ifaces[0].network == "vmfbr0");
  CHECK(ifaces[0].mac == "fa:16:3e:00:00:01");
}

TEST_CASE("host networks: a plug makes the network and one host entry per "
          "MAC, an unplug removes it", "[libvirt][network]") {
  test_hypervisor hv;
  auto a = make_vif(hv.bridge, "fa:16:3e:00:00:01", "10.42.0.5");
  REQUIRE(hv.nets.plug(hv.conn, a, "instance-00000001").ok);
  auto n = virNetworkLookupByName(hv.conn, hv.bridge.c_str());
  REQUIRE(n);
  CHECK(virNetworkIsActive(n) == 1);
  CHECK(virNetworkIsPersistent(n) == 1);
  virNetworkFree(n);
  CHECK_THAT(hv.net_xml(), Catch::Contains("<forward mode='nat'"));
  CHECK(has_subnet(hv.net_xml(), "10.42.0.0/24"));
  CHECK(hv.hosts()
        == std::vector<dhcp_host>{{a.mac, "instance-00000001", a.address}});
  // Another guest on the network that is there now.
  auto b = make_vif(hv.bridge, "fa:16:3e:00:00:02", "10.42.0.6");
  REQUIRE(hv.nets.plug(hv.conn, b, "instance-00000002").ok);
  CHECK(hv.hosts().size() == 2);
  // A respawn: the same entry again, no twin.
  REQUIRE(hv.nets.plug(hv.conn, a, "instance-00000001").ok);
  CHECK(hv.hosts().size() == 2);
  // A leftover for this address (its destroy could not remove it) gives
  // way to the new owner.
  auto c = make_vif(hv.bridge, "fa:16:3e:00:00:03", a.address);
  REQUIRE(hv.nets.plug(hv.conn, c, "instance-00000003").ok);
  CHECK(hv.hosts()
        == std::vector<dhcp_host>{{b.mac, "instance-00000002", b.address},
                                  {c.mac, "instance-00000003", c.address}});
  // And one of the same instance name: the instance's, respawned.
  auto d = make_vif(hv.bridge, "fa:16:3e:00:00:04", "10.42.0.8");
  REQUIRE(hv.nets.plug(hv.conn, d, "instance-00000002").ok);
  CHECK(hv.hosts()
        == std::vector<dhcp_host>{{c.mac, "instance-00000003", c.address},
                                  {d.mac, "instance-00000002", d.address}});
  hv.nets.unplug(hv.conn, hv.bridge, d.mac);
  hv.nets.unplug(hv.conn, hv.bridge, "FA:16:3E:00:00:03");
  // The network stays, the host's.
  CHECK(hv.hosts().empty());
  CHECK_FALSE(hv.net_xml().empty());
  // Unplugging what is not there, or from a network that is not, is fine.
  hv.nets.unplug(hv.conn, hv.bridge, c.mac);
  hv.nets.unplug(hv.conn, "vt-none", c.mac);
}

TEST_CASE("host networks: a network of another subnet is a retryable "
          "failure", "[libvirt][network]") {
  test_hypervisor hv;
  REQUIRE(hv.nets.plug(hv.conn, make_vif(hv.bridge, "fa:16:3e:00:00:01",
                                         "10.42.0.5"),
                       "instance-00000001")
            .ok);
  auto other = make_vif(hv.bridge, "fa:16:3e:00:00:02", "10.77.0.5",
                        "10.77.0.0/24");
  auto st = hv.nets.plug(hv.conn, other, "instance-00000002");
  CHECK_FALSE(st.ok);
  CHECK(st.retryable);
  CHECK(st.reason == "plugging fa:16:3e:00:00:02 into network " + hv.bridge
                       + " failed: the host's network " + hv.bridge
                       + " is not on 10.77.0.0/24");
  CHECK(hv.hosts().size() == 1);
}

TEST_CASE("host networks: a failed libvirt call is counted by name",
          "[libvirt][network]") {
  test_hypervisor hv;
  // A network name libvirt refuses.
  hv.bridge = "vt/" + make_uuid().substr(0, 8);
  auto st = hv.nets.plug(hv.conn, make_vif(hv.bridge, "fa:16:3e:00:00:01",
                                           "10.42.0.5"),
                         "instance-00000001");
  CHECK_FALSE(st.ok);
  CHECK(st.retryable);
  CHECK(hv.calls == std::vector<std::string>{"network_define"});
}
