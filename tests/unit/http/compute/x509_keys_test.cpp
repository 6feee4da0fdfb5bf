#include <catch2/catch.hpp>

#include <memory>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "http/compute/x509_keys.hpp"

using namespace vmforge::http;

namespace {

// A self-signed certificate made by `openssl req -x509`, and its SHA-1
// as `openssl x509 -fingerprint -sha1` printed it (lower case: Nova's).
const char* const cert_pem = R"(-----BEGIN CERTIFICATE-----
MIIC+TCCAeGgAwIBAgIUFm7XuUNYfjrlM2Ttf/5ThACP1LAwDQYJKoZIhvcNAQEL
BQAwDDEKMAgGA1UEAwwBdDAeFw0yNjEyMDEyMzU2MjRaFw0yNjEyMDIyMzU2MjRa
MAwxCjAIBgNVBAMMAXQwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDt
Ndp5R+KNzQHJ+1EIXmMCmwmUiSf/Vs5qYaDWfFJD19lisYs3SFGnCTFMuIZEL826
11cq8sJZQH2fKy9vW6v8vQrzN6uKTwzUOzDseuBQiNxDqkv5iJ8OmuF4ikh1WA8n
iWVl2rcs2CaQ9yrft5Lf0yJ0niudr06Zl/og5mI9DjBHlggMHBHxcGtt0z2DvwcN
OfQlUI+V0bj1UMSLvzMuur2m07V32DqN9dYj2sixMjTVLyHdEYR5dFRCnEJ7kNGz
3pYIFZ58SnU32zY6qS9QD2VNW/08XHOl7oYa6a1c5miG9yBu421SfJX9wEPNWj56
uc7JkzbTji7KplSv0WfbAgMBAAGjUzBRMB0GA1UdDgQWBBQCH5ABnNfUG9AEthO4
4GGiDZUBCjAfBgNVHSMEGDAWgBQCH5ABnNfUG9AEthO44GGiDZUBCjAPBgNVHRMB
Af8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQDMitp6bcTC1xK3jNbpIt01/qlo
QZXtJlh4yPu0dvOQ/vokomO05Lexs0JHuBx3gJH2i3vG61VVIKqJHEGM7XC1qjum
pfKN9Lc/tq05dSgvHT+HpX73H24UnAbik8DMHl5aztmYnZj90+V3zj09jmSkwF4V
JkyYVj7sv8bqCpktwjzevWiJ2Ei/Myju56iCQDIWp50mdYkPUjiqqESv0GFkoBY5
lOlAZlaNZ7S2Dxh2qWWek1j/131AMHaMzSCoFJIHAI16Gk/r5rjtbxIB97H0UvYU
sp9fzqrwOhce9iUtKl0689sqOYWC7ZmsGJ2Ai1988aPcuLY985rvaMgVskS+
-----END CERTIFICATE-----
)";
const char* const cert_sha1 = "31:31:8e:04:8b:87:b2:9c:4f:3e:46:0d:5f:e4:b2:09:c9:db:e3:fe";

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

x509_ptr read_cert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
    BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  return x509_ptr{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                  &X509_free};
}

} // namespace

TEST_CASE("x509_keys: a certificate's fingerprint is the SHA-1 of its DER, "
          "as Nova's",
          "[x509_keys]") {
  CHECK(x509_fingerprint(cert_pem) == cert_sha1);
  CHECK(x509_fingerprint("not a certificate").empty());
  CHECK(x509_fingerprint("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x").empty());
}

TEST_CASE("x509_keys: a generated certificate is the user's, for client "
          "authentication, signed by its own key",
          "[x509_keys]") {
  auto gen = generate_x509_cert("alice");
  auto cert = read_cert(gen.public_key);
  REQUIRE(cert);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName,
                            cn, sizeof(cn));
  CHECK(std::string{cn} == "alice");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pub{
    X509_get_pubkey(cert.get()), &EVP_PKEY_free};
  CHECK(X509_verify(cert.get(), pub.get()) == 1);
  CHECK((X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) != 0);
  CHECK(gen.private_key.find("-----BEGIN RSA PRIVATE KEY-----") == 0);
  CHECK(x509_fingerprint(gen.public_key).size() == 59);
}
