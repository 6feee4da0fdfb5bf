#include "util/uuid.hpp"

#include <cctype>
#include <random>

#include "util/digest.hpp"

namespace vmforge {

std::string make_uuid() {
  // One generator per thread: no lock, and seeded once from the OS.
  thread_local std::mt19937_64 gen{std::random_device{}()};
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL; // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](uint64_t word, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23)
        ++pos;
      out[pos++] = hex[(word >> (i * 4)) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

std::string make_name_uuid(const std::string& ns, const std::string& name) {
  // RFC 4122 section 4.3: SHA-1 of the namespace's 16 bytes and the name
  // (a namespace that is no uuid counts as its text).
  std::string data;
  if (!is_uuid(ns))
    data = ns;
  else
    for (size_t i = 0; i < ns.size(); ++i)
      if (ns[i] != '-')
        data += static_cast<char>(std::stoi(ns.substr(i++, 2), nullptr, 16));
  auto hex = hex_digest(data + name, "SHA1").substr(0, 32);
  hex[12] = '5';
  static const char* variant = "89ab";
  hex[16] = variant[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4)
         + '-' + hex.substr(16, 4) + '-' + hex.substr(20);
}

bool is_uuid(const std::string& text) {
  if (text.size() != 36)
    return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i])))
      return false;
  }
  return true;
}

uint64_t stable_hash(uint64_t seed, const std::string& a, const std::string& b) {
  // FNV-1a over both strings, then a splitmix64 finalizer to spread the bits.
  uint64_t h = 1469598103934665603ULL ^ seed;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  mix(a);
  mix(b);
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

} // namespace vmforge
