#include "drivers/libvirt/host_networks.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include <libvirt/libvirt.h>

#include "drivers/libvirt/xml.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace vmforge {

namespace {

const char* log_name = "libvirt";

// One for the process: its drivers may share a hypervisor, and a lookup
// followed by a define, or a read of the entries followed by their update,
// must not interleave with another spawn's (these calls are quick).
std::mutex plug_mutex;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<uint32_t> ipv4(const std::string& text) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1)
    return std::nullopt;
  return ntohl(a.s_addr);
}

struct subnet {
  uint32_t base = 0;
  int prefix = 0;

  bool operator==(const subnet& o) const {
    return base == o.base && prefix == o.prefix;
  }
};

uint32_t mask_of(int prefix) {
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

std::optional<subnet> parse_cidr(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos)
    return std::nullopt;
  auto addr = ipv4(cidr.substr(0, slash));
  char* end = nullptr;
  auto prefix = std::strtol(cidr.c_str() + slash + 1, &end, 10);
  if (!addr || *end != '\0' || end == cidr.c_str() + slash + 1 || prefix < 0
      || prefix > 32)
    return std::nullopt;
  auto p = static_cast<int>(prefix);
  return subnet{*addr & mask_of(p), p};
}

// The prefix length of a contiguous netmask, or -1.
int prefix_of(uint32_t mask) {
  int n = 0;
  while (n < 32 && (mask & (uint32_t{1} << (31 - n))))
    ++n;
  return mask_of(n) == mask ? n : -1;
}

// The IPv4 subnet of a network's first <ip> without family='ipv6'.
std::optional<subnet> network_subnet(const std::string& network_xml) {
  for (auto& tag : xml::start_tags(network_xml, "ip")) {
    if (xml::attribute(tag, "family") == "ipv6")
      continue;
    auto addr = ipv4(xml::attribute(tag, "address"));
    if (!addr)
      continue;
    auto prefix_text = xml::attribute(tag, "prefix");
    int prefix = -1;
    if (!prefix_text.empty()) {
      prefix = std::atoi(prefix_text.c_str());
    } else if (auto mask = ipv4(xml::attribute(tag, "netmask"))) {
      prefix = prefix_of(*mask);
    }
    if (prefix < 0 || prefix > 32)
      return std::nullopt;
    return subnet{*addr & mask_of(prefix), prefix};
  }
  return std::nullopt;
}

std::string host_xml(const dhcp_host& h) {
  auto out = "<host mac='" + xml::escape(h.mac) + "'";
  if (!h.name.empty())
    out += " name='" + xml::escape(h.name) + "'";
  if (!h.ip.empty())
    out += " ip='" + xml::escape(h.ip) + "'";
  return out + "/>";
}

std::string describe(virNetworkPtr net) {
  auto c = virNetworkGetXMLDesc(net, 0);
  std::string out = c ? c : "";
  free(c);
  return out;
}

// The flags that change what is there now: the live network if it runs,
// its configuration if it has one.
unsigned int update_flags(virNetworkPtr net) {
  unsigned int flags = 0;
  if (virNetworkIsActive(net) == 1)
    flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE;
  if (virNetworkIsPersistent(net) == 1)
    flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG;
  return flags;
}

// Removes one entry (libvirt matches on the attributes given).
bool remove_entry(virNetworkPtr net, const std::string& entry) {
  return virNetworkUpdate(net, VIR_NETWORK_UPDATE_COMMAND_DELETE,
                          VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, entry.c_str(),
                          update_flags(net))
         == 0;
}

struct network_ref {
  virNetworkPtr net;
  ~network_ref() {
    if (net)
      virNetworkFree(net);
  }
};

} // namespace

std::string network_xml(const network& net) {
  auto s = parse_cidr(net.cidr);
  if (!s || !ipv4(net.gateway))
    return {};
  // NAT through the host, as libvirt's default network; the gateway is
  // the bridge's own address; DHCP answers host entries only (libvirt then
  // runs dnsmasq with a static range).
  return "<network><name>" + xml::escape(net.bridge) + "</name>"
         + "<forward mode='nat'/>"
         + "<bridge name='" + xml::escape(net.bridge)
         + "' stp='off' delay='0'/>"
         + "<ip address='" + xml::escape(net.gateway) + "' prefix='"
         + std::to_string(s->prefix) + "'><dhcp/></ip></network>";
}

std::vector<dhcp_host> dhcp_hosts(const std::string& network_xml) {
  std::vector<dhcp_host> out;
  for (auto& dhcp : xml::elements(network_xml, "dhcp"))
    for (auto& tag : xml::start_tags(dhcp, "host"))
      out.push_back({lower(xml::attribute(tag, "mac")),
                     xml::attribute(tag, "name"), xml::attribute(tag, "ip")});
  return out;
}

std::vector<domain_interface> domain_interfaces(const std::string& domain_xml) {
  std::vector<domain_interface> out;
  for (auto& iface : xml::elements(domain_xml, "interface")) {
    if (xml::attribute(iface.substr(0, iface.find('>') + 1), "type") != "network")
      continue;
    auto macs = xml::start_tags(iface, "mac");
    auto sources = xml::start_tags(iface, "source");
    if (macs.empty() || sources.empty())
      continue;
    out.push_back({xml::attribute(sources.front(), "network"),
                   lower(xml::attribute(macs.front(), "address"))});
  }
  return out;
}

bool has_subnet(const std::string& network_xml, const std::string& cidr) {
  auto want = parse_cidr(cidr);
  auto have = network_subnet(network_xml);
  return want && have && *want == *have;
}

host_networks::host_networks(std::function<std::string(const char*)> failed)
  : failed_(std::move(failed)) {
}

driver_status host_networks::plug(virConnectPtr conn, const vif& v,
                                  const std::string& name) {
  auto& bridge = v.net.bridge;
  auto fail = [&](const std::string& why) {
    auto msg = "plugging " + v.mac + " into network " + bridge + " failed: "
               + why;
    log::warning(log_name, msg);
    return driver_status::failure(msg, true);
  };
  std::lock_guard<std::mutex> guard{plug_mutex};
  network_ref n{virNetworkLookupByName(conn, bridge.c_str())};
  if (!n.net) {
    auto def = network_xml(v.net);
    if (def.empty())
      return fail("its cidr " + v.net.cidr + " or gateway " + v.net.gateway
                  + " is not IPv4");
    n.net = virNetworkDefineXML(conn, def.c_str());
    if (!n.net)
      return fail(failed_("network_define"));
    // The host's network: back after a reboot of the host, as its guests.
    if (virNetworkSetAutostart(n.net, 1) < 0)
      log::warning(log_name, "network ", bridge, " will not autostart: ",
                   failed_("network_autostart"));
    log::info(log_name, "defined network ", bridge, " (", v.net.cidr, ")");
  }
  auto current = describe(n.net);
  if (!has_subnet(current, v.net.cidr))
    return fail("the host's network " + bridge + " is not on "
                + v.net.cidr);
  if (virNetworkIsActive(n.net) != 1 && virNetworkCreate(n.net) < 0
      && virNetworkIsActive(n.net) != 1)
    return fail(failed_("network_start"));
  dhcp_host mine{lower(v.mac), name, v.address};
  // A respawn's own entry stays; any other for this MAC, address or
  // instance name (names are unique: the same instance) is a leftover of
  // a destroy that could not remove it, replaced (libvirt refuses an entry
  // that shares any of the three).
  auto present = false;
  for (auto& h : dhcp_hosts(describe(n.net))) {
    if (h.mac != mine.mac && h.ip != mine.ip && h.name != mine.name)
      continue;
    if (h.mac == mine.mac && h.ip == mine.ip && h.name == mine.name) {
      present = true;
      continue;
    }
    auto old = host_xml(h);
    if (!remove_entry(n.net, old))
      return fail("removing the stale " + old + ": "
                  + failed_("dhcp_host_delete"));
  }
  if (present)
    return driver_status::success();
  auto entry = host_xml(mine);
  if (virNetworkUpdate(n.net, VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
                       VIR_NETWORK_SECTION_IP_DHCP_HOST, -1, entry.c_str(),
                       update_flags(n.net))
      < 0)
    return fail("adding " + entry + ": " + failed_("dhcp_host_add"));
  return driver_status::success();
}

namespace {

bool has_lease(virNetworkPtr net, const std::string& mac) {
  virNetworkDHCPLeasePtr* leases = nullptr;
  int n = virNetworkGetDHCPLeases(net, mac.c_str(), &leases, 0);
  for (int i = 0; i < n; ++i)
    virNetworkDHCPLeaseFree(leases[i]);
  free(leases);
  return n > 0;
}

// dnsmasq keeps a guest's lease after its host entry goes, and will not
// give that address to another MAC until the lease expires: a new guest on
// the freed address would get none. Neutron's DHCP agent releases it the
// same way (dnsmasq-utils' dhcp_release, on the bridge dnsmasq serves).
// With host entries only (no range) dnsmasq takes the release only while
// the entry is still there: the entry goes after the lease (seen through
// libvirt's lease records, a second at most).
void release_lease(virNetworkPtr net, const std::string& bridge,
                   const dhcp_host& h) {
  if (!has_lease(net, h.mac))
    return;
  auto r = run_command({"dhcp_release", bridge, h.ip, h.mac},
                       std::chrono::seconds{5});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{1};
  while (r.ok() && has_lease(net, h.mac)
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  if (!r.ok() || has_lease(net, h.mac))
    log::warning(log_name, "the DHCP lease of ", h.ip, " (", h.mac, ") on ",
                 bridge, " stays until it expires: dhcp_release: ",
                 r.timed_out ? std::string{"timed out"}
                 : r.ok()    ? std::string{"not taken"}
                             : r.error);
}

} // namespace

void host_networks::unplug(virConnectPtr conn, const std::string& network,
                           const std::string& mac) {
  std::lock_guard<std::mutex> guard{plug_mutex};
  network_ref n{virNetworkLookupByName(conn, network.c_str())};
  if (!n.net)
    return;
  for (auto& h : dhcp_hosts(describe(n.net))) {
    if (h.mac != lower(mac))
      continue;
    release_lease(n.net, network, h);
    auto entry = host_xml(h);
    if (!remove_entry(n.net, entry))
      log::warning(log_name, "the DHCP host entry ", entry, " of network ",
                   network, " stays: ", failed_("dhcp_host_delete"));
  }
}

} // namespace vmforge
