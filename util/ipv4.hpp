#pragma once

#include <cstdint>
#include <optional>
#include <string>

// IPv4 addresses and subnets as numbers, for the configuration's checks and
// the store's IPAM.
namespace vmforge {

/// A dotted quad as a number; nothing unless it is exactly four decimal
/// octets.
std::optional<uint32_t> parse_ipv4(const std::string& text);

std::string format_ipv4(uint32_t address);

struct ipv4_subnet {
  uint32_t network = 0;
  int prefix = 0;

  uint32_t mask() const {
    return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  }
  uint32_t broadcast() const {
    return network | ~mask();
  }
  bool contains(uint32_t address) const {
    return (address & mask()) == network;
  }
  /// The first usable address (Neutron's default gateway).
  uint32_t first_host() const {
    return network + 1;
  }
};

/// "a.b.c.d/n" with the host bits zero; nothing otherwise (an IPv6 CIDR
/// included).
std::optional<ipv4_subnet> parse_ipv4_subnet(const std::string& cidr);

} // namespace vmforge
