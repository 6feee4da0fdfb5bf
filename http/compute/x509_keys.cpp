#include "http/compute/x509_keys.hpp"

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace vmforge::http {

namespace {

using bio_ptr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

bio_ptr memory_bio() {
  return bio_ptr{BIO_new(BIO_s_mem()), &BIO_free};
}

std::string contents(BIO* bio) {
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  auto ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr)
    return false;
  auto ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

} // namespace

std::string x509_fingerprint(const std::string& pem) {
  bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
              &BIO_free};
  x509_ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                &X509_free};
  if (!cert)
    return {};
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha1(), md, &len) != 1)
    return {};
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (i > 0)
      out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

generated_key generate_x509_cert(const std::string& user_id) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
    EVP_RSA_gen(2048), &EVP_PKEY_free};
  x509_ptr cert{X509_new(), &X509_free};
  X509_set_version(cert.get(), 2); // v3, for the extensions
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f; // a positive serial
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn{
    BN_bin2bn(serial, sizeof(serial), nullptr), &BN_free};
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3650L * 24 * 3600);
  auto name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
    name, "CN", MBSTRING_UTF8,
    reinterpret_cast<const unsigned char*>(user_id.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  // Nova's openssl configuration: v3_req_client.
  add_extension(cert.get(), NID_ext_key_usage, "clientAuth");
  add_extension(cert.get(), NID_subject_alt_name,
                "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:" + user_id
                  + "@localhost");
  X509_sign(cert.get(), key.get(), EVP_sha256());
  generated_key out;
  auto pub = memory_bio();
  PEM_write_bio_X509(pub.get(), cert.get());
  out.public_key = contents(pub.get());
  auto priv = memory_bio();
  PEM_write_bio_PrivateKey_traditional(priv.get(), key.get(), nullptr,
                                       nullptr, 0, nullptr, nullptr);
  out.private_key = contents(priv.get());
  return out;
}

} // namespace vmforge::http
