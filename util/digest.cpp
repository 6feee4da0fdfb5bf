#include "util/digest.hpp"

#include <openssl/evp.h>

namespace vmforge {

std::string hex_digest(const std::string& data, const char* algorithm,
                       const char* separator) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_get_digestbyname(algorithm),
             nullptr);
  return hex_of(md, n, separator);
}

std::string hex_of(const unsigned char* bytes, size_t n,
                   const char* separator) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0)
      out += separator;
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 0xf];
  }
  return out;
}

} // namespace vmforge
