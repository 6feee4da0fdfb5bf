#pragma once

#include <cstddef>
#include <string>

namespace vmforge {

/// The OpenSSL digest `algorithm` ("MD5", "SHA224", ...) of `data` in lower
/// case hex, bytes joined by `separator` (Nova's fingerprints use ':').
std::string hex_digest(const std::string& data, const char* algorithm,
                       const char* separator = "");

/// `n` bytes in lower case hex, joined by `separator`: a digest computed
/// in steps (EVP_DigestFinal_ex's output).
std::string hex_of(const unsigned char* bytes, size_t n,
                   const char* separator = "");

} // namespace vmforge
