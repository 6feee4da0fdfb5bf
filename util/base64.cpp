#include "util/base64.hpp"

#include <openssl/evp.h>

namespace vmforge {

std::string base64_encode(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(raw.data()),
                           static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool base64_decode(const std::string& text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0)
    return false;
  out.assign(3 * text.size() / 4, '\0');
  auto n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(text.data()),
                           static_cast<int>(text.size()));
  if (n < 0)
    return false;
  // EVP_DecodeBlock counts the padding as data.
  size_t pad = 0;
  for (auto i = text.rbegin(); i != text.rend() && *i == '='; ++i)
    ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

} // namespace vmforge
