#pragma once

#include <string>

#include "http/compute/ssh_keys.hpp"

// x509 keypairs for os-keypairs (microversion 2.2's type "x509", what
// Windows guests use for WinRM), with OpenSSL.
namespace vmforge::http {

/// Nova's fingerprint of a PEM certificate: the SHA-1 of its DER, hex
/// pairs joined by colons; "" if the text is not a certificate.
std::string x509_fingerprint(const std::string& pem);

/// Nova's generate_winrm_x509_cert: a new 2048-bit RSA key and a
/// self-signed certificate for it (CN=user_id, ten years, client
/// authentication, the UPN user_id@localhost); the certificate PEM is the
/// public key.
generated_key generate_x509_cert(const std::string& user_id);

} // namespace vmforge::http
