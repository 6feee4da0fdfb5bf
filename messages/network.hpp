#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// A guest's networking, as Nova sees it: the networks a cloud offers, what a
// create asks for, and the instance's network_info (Nova's
// instance_info_caches: one VIF per port, with its fixed address).
// docs/networking.md says who allocates and who plugs.
namespace vmforge {

/// One `[network:NAME]` section: a flat IPv4 network every compute host
/// offers on a bridge of its own (libvirt's NAT network with dnsmasq).
struct network {
  /// Nova's network uuid (Neutron's network id).
  std::string id;
  /// Its name (the section's NAME), the key of `addresses` in a server.
  std::string label;
  /// The subnet, e.g. 10.42.0.0/24; the gateway is its first address.
  std::string cidr;
  std::string gateway;
  std::vector<std::string> dns;
  /// The libvirt network (and bridge) that carries it on each host.
  std::string bridge;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network& x) {
  return f(caf::meta::type_name("network"), x.id, x.label, x.cidr, x.gateway,
           x.dns, x.bridge);
}

struct network_list {
  std::vector<network> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_list& x) {
  return f(caf::meta::type_name("network_list"), x.items);
}

/// One entry of a create's `networks`: a network by uuid, optionally with
/// the fixed address asked for.
struct requested_network {
  std::string network_id;
  std::string fixed_ip;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, requested_network& x) {
  return f(caf::meta::type_name("requested_network"), x.network_id,
           x.fixed_ip);
}

/// A create's `networks`: "auto" (every network the cloud offers, as Nova
/// with one network available), "none" (2.37) or a list.
enum class network_mode : uint8_t { automatic, none, listed };

struct network_request {
  network_mode mode = network_mode::automatic;
  std::vector<requested_network> listed;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_request& x) {
  return f(caf::meta::type_name("network_request"), x.mode, x.listed);
}

/// One virtual interface of an instance (a Neutron port bound to its host):
/// allocated before the guest boots, so its address is known to DHCP and to
/// the config drive.
struct vif {
  /// The port's uuid (os-interface's port_id).
  std::string id;
  network net;
  /// fa:16:3e:xx:xx:xx, as Neutron makes them.
  std::string mac;
  std::string address;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vif& x) {
  return f(caf::meta::type_name("vif"), x.id, x.net, x.mac, x.address);
}

struct network_info {
  std::vector<vif> vifs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_info& x) {
  return f(caf::meta::type_name("network_info"), x.vifs);
}

} // namespace vmforge
