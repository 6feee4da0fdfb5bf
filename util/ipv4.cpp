#include "util/ipv4.hpp"

#include <charconv>

namespace vmforge {

std::optional<uint32_t> parse_ipv4(const std::string& text) {
  uint32_t out = 0;
  auto p = text.data();
  auto end = p + text.size();
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.')
        return std::nullopt;
      ++p;
    }
    // No sign, no leading zeros (inet_pton's strict form).
    if (p == end || *p < '0' || *p > '9' || (*p == '0' && p + 1 != end
                                             && p[1] >= '0' && p[1] <= '9'))
      return std::nullopt;
    unsigned value = 0;
    auto res = std::from_chars(p, end, value);
    if (res.ec != std::errc{} || value > 255 || res.ptr - p > 3)
      return std::nullopt;
    p = res.ptr;
    out = (out << 8) | value;
  }
  if (p != end)
    return std::nullopt;
  return out;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 0xff) + '.'
         + std::to_string((a >> 8) & 0xff) + '.' + std::to_string(a & 0xff);
}

std::optional<ipv4_subnet> parse_ipv4_subnet(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos)
    return std::nullopt;
  auto address = parse_ipv4(cidr.substr(0, slash));
  auto bits = cidr.substr(slash + 1);
  int prefix = -1;
  auto res = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (!address || bits.empty() || res.ec != std::errc{}
      || res.ptr != bits.data() + bits.size() || prefix < 0 || prefix > 32)
    return std::nullopt;
  ipv4_subnet net{*address, prefix};
  if ((net.network & net.mask()) != net.network)
    return std::nullopt;
  return net;
}

} // namespace vmforge
