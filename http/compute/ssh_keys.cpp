#include "http/compute/ssh_keys.hpp"

#include <algorithm>
#include <memory>
#include <sstream>
#include <vector>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/base64.hpp"
#include "util/digest.hpp"

namespace vmforge::http {

namespace {

void put_u32(std::string& out, uint32_t n) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> shift) & 0xff);
}

void put_string(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

// SSH's mpint: big-endian, with a zero byte if the top bit is set.
void put_mpint(std::string& out, const BIGNUM* bn) {
  std::vector<unsigned char> bytes(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, bytes.data());
  std::string s;
  if (!bytes.empty() && (bytes[0] & 0x80))
    s += '\0';
  s.append(bytes.begin(), bytes.end());
  put_string(out, s);
}

} // namespace

std::string ssh_fingerprint(const std::string& public_key) {
  std::istringstream in{public_key};
  std::string type;
  std::string blob64;
  in >> type >> blob64;
  static const char* known[] = {"ssh-rsa", "ssh-dss", "ssh-ed25519",
                                "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                                "ecdsa-sha2-nistp521"};
  if (std::find(std::begin(known), std::end(known), type) == std::end(known))
    return {};
  std::string blob;
  if (!base64_decode(blob64, blob) || blob.size() < 4)
    return {};
  auto len = (static_cast<uint32_t>(static_cast<unsigned char>(blob[0])) << 24)
             | (static_cast<uint32_t>(static_cast<unsigned char>(blob[1])) << 16)
             | (static_cast<uint32_t>(static_cast<unsigned char>(blob[2])) << 8)
             | static_cast<uint32_t>(static_cast<unsigned char>(blob[3]));
  if (len != type.size() || blob.compare(4, len, type) != 0)
    return {};
  return hex_digest(blob, "MD5", ":");
}

generated_key generate_rsa_key() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
    EVP_RSA_gen(2048), &EVP_PKEY_free};
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e);
  std::string blob;
  put_string(blob, "ssh-rsa");
  put_mpint(blob, e);
  put_mpint(blob, n);
  BN_free(n);
  BN_free(e);
  generated_key out;
  out.public_key = "ssh-rsa " + base64_encode(blob) + " Generated-by-Nova";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()),
                                                &BIO_free};
  PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr,
                                       0, nullptr, nullptr);
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio.get(), &data);
  out.private_key.assign(data, static_cast<size_t>(len));
  return out;
}

} // namespace vmforge::http
