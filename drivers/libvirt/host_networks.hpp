#pragma once

#include <functional>
#include <string>
#include <vector>

#include "drivers/driver.hpp"

typedef struct _virConnect* virConnectPtr;

// A host's side of a guest's networking (Nova's libvirt vif plugging, with
// libvirt's NAT networks in the place of Neutron's agents): each vmforge
// network is a libvirt network of the host, named for its bridge, whose
// dnsmasq answers only the MACs vmforge allocated (a DHCP host entry per
// interface, no range). The network itself is the host's, shared by its
// guests: an unplug removes the entry, never the network.
namespace vmforge {

/// One <host> of a libvirt network's <dhcp>.
struct dhcp_host {
  std::string mac;
  std::string name;
  std::string ip;

  bool operator==(const dhcp_host& o) const {
    return mac == o.mac && name == o.name && ip == o.ip;
  }
};

/// One <interface type='network'> of a domain.
struct domain_interface {
  std::string network;
  std::string mac;
};

/// The libvirt network that carries `net` (NAT, its gateway on the
/// bridge, DHCP for host entries only); empty if its cidr or gateway is
/// not IPv4.
std::string network_xml(const network& net);

/// The DHCP host entries of a network's XML (MACs in lower case).
std::vector<dhcp_host> dhcp_hosts(const std::string& network_xml);

/// The interfaces on libvirt networks in a domain's XML.
std::vector<domain_interface> domain_interfaces(const std::string& domain_xml);

/// Whether a network's XML has `cidr` (a.b.c.d/n) as its IPv4 subnet.
bool has_subnet(const std::string& network_xml, const std::string& cidr);

class host_networks {
public:
  /// `failed(call)` counts a failed libvirt call and says why it failed.
  explicit host_networks(std::function<std::string(const char*)> failed);

  /// Makes sure the vif's network is defined and active with the vif's
  /// subnet, and that its DHCP host entry (`name`, the vif's MAC and
  /// address) is the only one for that MAC, address or name. Retryable on any
  /// failure: another host may have the network right.
  driver_status plug(virConnectPtr conn, const vif& v, const std::string& name);

  /// Removes the DHCP host entries of `mac` from `network`; a network that
  /// is gone has none. Failures are logged (the entry stays, and the
  /// address's next plug replaces it).
  void unplug(virConnectPtr conn, const std::string& network,
              const std::string& mac);

private:
  std::function<std::string(const char*)> failed_;
};

} // namespace vmforge
