#pragma once

#include <string>

namespace vmforge {

/// The OpenSSL digest `algorithm` ("MD5", "SHA224", ...) of `data` in lower
/// case hex, bytes joined by `separator` (Nova's fingerprints use ':').
std::string hex_digest(const std::string& data, const char* algorithm,
                       const char* separator = "");

} // namespace vmforge
