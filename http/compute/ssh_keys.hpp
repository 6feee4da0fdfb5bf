#pragma once

#include <string>

// SSH public keys for os-keypairs, with OpenSSL: validation and MD5
// fingerprints of imported keys, and RSA key generation.
namespace vmforge::http {

/// Nova's fingerprint of an OpenSSH public key ("aa:bb:..."), or "" if the
/// text is not one ("type base64-blob [comment]", blob naming the type).
std::string ssh_fingerprint(const std::string& public_key);

struct generated_key {
  std::string public_key;  // OpenSSH form
  std::string private_key; // PEM
};

/// A new 2048-bit RSA key pair (Nova's generation for microversions < 2.92).
generated_key generate_rsa_key();

} // namespace vmforge::http
