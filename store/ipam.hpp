#pragma once

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/expected.hpp>

#include "messages/network.hpp"
#include "util/ipv4.hpp"

namespace vmforge {

/// The built-in IP address management of the configured flat networks (what
/// Neutron's IPAM and port MACs are to Nova): which addresses and MACs the
/// instances hold. Only the instance store uses one, so it needs no lock;
/// what it hands out is durable through the rows' vifs, from which a start
/// rebuilds it (adopt).
class ipam {
public:
  /// `nets` as complete_network left them; `seed` 0 seeds the MACs from
  /// the OS.
  explicit ipam(std::vector<network> nets, uint64_t seed = 0);

  const std::vector<network>& networks() const {
    return nets_;
  }
  const network* find(const std::string& network_id) const;

  /// The interfaces a loaded row holds are taken (at start).
  void adopt(const std::string& instance_id, const std::vector<vif>& vifs);

  /// The instance's interfaces for `req`: those it holds already, else new
  /// ones (all or none). "auto" is the one network there is (none if there
  /// is none, NetworkAmbiguous if several); a listed fixed_ip is honoured
  /// if it is a free host address of its network. Errors are Nova's:
  /// NetworkNotFound, FixedIpInvalid, FixedIpAlreadyInUse, NoMoreFixedIps.
  caf::expected<std::vector<vif>> allocate(const std::string& instance_id,
                                           const network_request& req);

  /// Frees what the instance holds (nothing if it holds nothing).
  void release(const std::string& instance_id);

  /// Free addresses of a network (0 for an unknown one).
  size_t free_count(const std::string& network_id) const;

private:
  struct pool {
    ipv4_subnet subnet;
    /// The gateway and DNS servers inside the subnet: never handed out.
    std::set<uint32_t> reserved;
    /// address -> the instance holding it.
    std::unordered_map<uint32_t, std::string> used;
    /// Every host address below it is used: where the search for the
    /// lowest free one starts (so 50,000 builds do not scan 50,000 each).
    uint32_t lowest_free = 0;
  };

  pool* pool_of(const std::string& network_id);
  caf::expected<vif> take(const network& net, pool& p,
                          const std::string& instance_id,
                          const std::string& fixed_ip);
  std::string new_mac();
  void drop(const vif& v);

  std::vector<network> nets_;
  std::vector<pool> pools_;
  std::unordered_set<std::string> macs_;
  std::unordered_map<std::string, std::vector<vif>> held_;
  std::mt19937_64 rng_;
};

} // namespace vmforge
