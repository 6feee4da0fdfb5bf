#pragma once

#include <string>

// Standard base64 (RFC 4648, with padding), as OpenSSL's EVP blocks make
// it: SSH key blobs and a create's user_data.
namespace vmforge {

std::string base64_encode(const std::string& raw);

/// False if `text` is not whole padded base64 (an empty text is not).
bool base64_decode(const std::string& text, std::string& out);

} // namespace vmforge
