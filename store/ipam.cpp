#include "store/ipam.hpp"

#include <algorithm>
#include <cstdio>

#include "messages/errors.hpp"
#include "util/uuid.hpp"

namespace vmforge {

ipam::ipam(std::vector<network> nets, uint64_t seed)
  : nets_(std::move(nets)), rng_(seed != 0 ? seed : std::random_device{}()) {
  for (auto& n : nets_) {
    pool p;
    // complete_network checked every network the configuration holds.
    p.subnet = parse_ipv4_subnet(n.cidr).value_or(ipv4_subnet{});
    for (auto& text : n.dns)
      if (auto a = parse_ipv4(text); a && p.subnet.contains(*a))
        p.reserved.insert(*a);
    if (auto gw = parse_ipv4(n.gateway))
      p.reserved.insert(*gw);
    p.lowest_free = p.subnet.first_host();
    pools_.push_back(std::move(p));
  }
}

const network* ipam::find(const std::string& network_id) const {
  for (auto& n : nets_)
    if (n.id == network_id)
      return &n;
  return nullptr;
}

ipam::pool* ipam::pool_of(const std::string& network_id) {
  for (size_t i = 0; i < nets_.size(); ++i)
    if (nets_[i].id == network_id)
      return &pools_[i];
  return nullptr;
}

void ipam::adopt(const std::string& instance_id, const std::vector<vif>& vifs) {
  if (vifs.empty())
    return;
  for (auto& v : vifs) {
    macs_.insert(v.mac);
    // A network removed from the configuration keeps its rows' vifs shown,
    // but nothing to allocate from.
    if (auto p = pool_of(v.net.id))
      if (auto a = parse_ipv4(v.address))
        p->used[*a] = instance_id;
  }
  auto& held = held_[instance_id];
  held.insert(held.end(), vifs.begin(), vifs.end());
}

std::string ipam::new_mac() {
  // Neutron's base_mac fa:16:3e:00:00:00 with three random bytes.
  for (;;) {
    auto bits = rng_();
    char buf[18];
    std::snprintf(buf, sizeof buf, "fa:16:3e:%02x:%02x:%02x",
                  static_cast<unsigned>(bits & 0xff),
                  static_cast<unsigned>((bits >> 8) & 0xff),
                  static_cast<unsigned>((bits >> 16) & 0xff));
    if (macs_.insert(buf).second)
      return buf;
  }
}

caf::expected<vif> ipam::take(const network& net, pool& p,
                              const std::string& instance_id,
                              const std::string& fixed_ip) {
  auto usable = [&](uint32_t a) {
    return p.subnet.contains(a) && a != p.subnet.network
           && a != p.subnet.broadcast() && p.reserved.count(a) == 0;
  };
  uint32_t address = 0;
  if (!fixed_ip.empty()) {
    auto a = parse_ipv4(fixed_ip);
    if (!a || !usable(*a))
      return nova_error(errc::fixed_ip_invalid, fixed_ip);
    if (auto holder = p.used.find(*a); holder != p.used.end())
      return nova_error(errc::fixed_ip_already_in_use, fixed_ip,
                        holder->second);
    address = *a;
  } else {
    // The lowest free address: what a reader of `addresses` expects.
    auto a = p.lowest_free;
    while (a < p.subnet.broadcast() && (!usable(a) || p.used.count(a) != 0))
      ++a;
    p.lowest_free = a;
    if (a >= p.subnet.broadcast())
      return nova_error(errc::no_more_fixed_ips, net.id);
    address = a;
  }
  p.used[address] = instance_id;
  return vif{make_uuid(), net, new_mac(), format_ipv4(address)};
}

caf::expected<std::vector<vif>>
ipam::allocate(const std::string& instance_id, const network_request& req) {
  if (auto i = held_.find(instance_id); i != held_.end())
    return i->second;
  std::vector<requested_network> wanted;
  switch (req.mode) {
    case network_mode::none:
      break;
    case network_mode::automatic:
      if (nets_.size() > 1)
        return nova_error(errc::network_ambiguous);
      if (nets_.size() == 1)
        wanted.push_back({nets_.front().id, {}});
      break;
    case network_mode::listed:
      wanted = req.listed;
      break;
  }
  std::vector<vif> out;
  for (auto& w : wanted) {
    auto net = find(w.network_id);
    auto v = net ? take(*net, *pool_of(w.network_id), instance_id, w.fixed_ip)
                 : caf::expected<vif>{
                   nova_error(errc::network_not_found, w.network_id)};
    if (!v) {
      for (auto& x : out)
        drop(x);
      return v.error();
    }
    out.push_back(std::move(*v));
  }
  if (!out.empty())
    held_[instance_id] = out;
  return out;
}

void ipam::drop(const vif& v) {
  macs_.erase(v.mac);
  if (auto p = pool_of(v.net.id))
    if (auto a = parse_ipv4(v.address)) {
      p->used.erase(*a);
      p->lowest_free = std::min(p->lowest_free, *a);
    }
}

void ipam::release(const std::string& instance_id) {
  auto i = held_.find(instance_id);
  if (i == held_.end())
    return;
  for (auto& v : i->second)
    drop(v);
  held_.erase(i);
}

size_t ipam::free_count(const std::string& network_id) const {
  for (size_t i = 0; i < nets_.size(); ++i)
    if (nets_[i].id == network_id) {
      auto& p = pools_[i];
      size_t n = 0;
      for (auto a = p.subnet.first_host(); a < p.subnet.broadcast(); ++a)
        if (p.reserved.count(a) == 0 && p.used.count(a) == 0)
          ++n;
      return n;
    }
  return 0;
}

} // namespace vmforge
