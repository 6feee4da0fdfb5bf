#include "config/options.hpp"

#include "util/ipv4.hpp"
#include "util/uuid.hpp"

namespace vmforge {

std::vector<flavor> default_flavors() {
  // id, name, vcpus, ram_mb, disk_gb (nova/db/main/migrations' classic set).
  return {
    {"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}},
    {"2", "m1.small", 1, 2048, 20, 0, 0, true, false, {}, {}},
    {"3", "m1.medium", 2, 4096, 40, 0, 0, true, false, {}, {}},
    {"4", "m1.large", 4, 8192, 80, 0, 0, true, false, {}, {}},
    {"5", "m1.xlarge", 8, 16384, 160, 0, 0, true, false, {}, {}},
  };
}

std::vector<image> default_images() {
  // Two, so that clients (and Tempest) can tell images apart.
  return {make_image("8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f",
               "cirros-0.6.2-x86_64-disk", "var/images/cirros.qcow2"),
          make_image("3f8b5c2a-1d4e-4f6a-8b7c-9d0e1f2a3b4c",
               "cirros-0.6.2-x86_64-uefi", "var/images/cirros-uefi.qcow2")};
}

std::vector<network> default_networks() {
  network net;
  net.label = "private";
  net.cidr = "10.42.0.0/16";
  complete_network(net);
  return {net};
}

std::string complete_network(network& net) {
  // uuid5(NAMESPACE_DNS, "networks.vmforge"): the namespace of network ids.
  static const std::string id_namespace
    = "6886e894-e760-5939-ab93-c15e5161468c";
  if (net.id.empty())
    net.id = make_name_uuid(id_namespace, net.label);
  else if (!is_uuid(net.id))
    return "id: expected a uuid, got '" + net.id + "'";
  auto subnet = parse_ipv4_subnet(net.cidr);
  if (!subnet)
    return "cidr: expected an IPv4 subnet a.b.c.d/n with its host bits "
           "zero (IPv6 is not supported), got '" + net.cidr + "'";
  // Network, gateway and broadcast leave nothing below a /30.
  if (subnet->prefix > 30)
    return "cidr: " + net.cidr + " has no addresses for instances (at most "
           "/30)";
  if (net.gateway.empty())
    net.gateway = format_ipv4(subnet->first_host());
  auto gw = parse_ipv4(net.gateway);
  if (!gw || !subnet->contains(*gw) || *gw == subnet->network
      || *gw == subnet->broadcast())
    return "gateway: '" + net.gateway + "' is not a host address of "
           + net.cidr;
  if (net.dns.empty())
    net.dns = {net.gateway};
  for (auto& d : net.dns)
    if (!parse_ipv4(d))
      return "dns: '" + d + "' is not an IPv4 address";
  if (net.bridge.empty())
    net.bridge = ("vmf-" + net.label).substr(0, 15);
  if (net.bridge.size() > 15)
    return "bridge: '" + net.bridge + "' is longer than 15 characters "
           "(IFNAMSIZ)";
  return {};
}

options default_options(int host_count) {
  options opts;
  opts.flavors = default_flavors();
  opts.images = default_images();
  opts.networks = default_networks();
  for (int i = 1; i <= host_count; ++i) {
    host_config host;
    host.name = "compute-" + std::to_string(i);
    opts.hosts.push_back(host);
  }
  return opts;
}

std::optional<std::string> sqlite_file(const std::string& url) {
  const std::string scheme = "sqlite:///";
  if (url.size() <= scheme.size() || url.compare(0, scheme.size(), scheme) != 0)
    return std::nullopt;
  // Three slashes, then the path: absolute if it starts with another one.
  return url.substr(scheme.size());
}

std::string multi_instance_name(const std::string& tmpl, const std::string& name,
                                int64_t count, const std::string& uuid) {
  // The same three keys Nova substitutes.
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    auto take = [&](const char* key, const std::string& value) {
      std::string k = key;
      if (tmpl.compare(i, k.size(), k) != 0)
        return false;
      out += value;
      i += k.size();
      return true;
    };
    if (take("%(name)s", name) || take("%(count)d", std::to_string(count))
        || take("%(uuid)s", uuid))
      continue;
    out += tmpl[i++];
  }
  return out;
}

} // namespace vmforge
