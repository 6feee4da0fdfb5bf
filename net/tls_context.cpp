#include "net/tls_context.hpp"

#include <optional>
#include <stdexcept>

#include <boost/asio/ssl/host_name_verification.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace vmforge::net {

namespace ssl = boost::asio::ssl;

namespace {

template <class Load>
void load(const char* what, const std::string& path, Load&& f) {
  boost::system::error_code ec;
  f(ec);
  if (ec)
    throw std::runtime_error("cannot load TLS " + std::string(what) + " "
                             + path + ": " + ec.message());
}

std::string subject_of(X509* cert) {
  if (cert == nullptr)
    return "?";
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
  return buf;
}

} // namespace

ssl::context make_tls_context(const tls_files& files, tls_role role) {
  ssl::context ctx(role == tls_role::server ? ssl::context::tls_server
                                            : ssl::context::tls_client);
  auto* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx.set_options(ssl::context::default_workarounds
                  | ssl::context::no_compression);
  // The TLS 1.2 suites: forward secrecy and AEAD only (all of 1.3's are).
  SSL_CTX_set_cipher_list(native, "ECDHE+AESGCM:ECDHE+CHACHA20");
  load("certificate chain", files.certificate, [&](auto& ec) {
    ctx.use_certificate_chain_file(files.certificate, ec);
  });
  load("private key", files.private_key, [&](auto& ec) {
    ctx.use_private_key_file(files.private_key, ssl::context::pem, ec);
  });
  load("CA file", files.ca_file,
       [&](auto& ec) { ctx.load_verify_file(files.ca_file, ec); });
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  // A server that verifies clients refuses a resumed session without it.
  static const unsigned char sid_context[] = "vmforge-cluster";
  SSL_CTX_set_session_id_context(native, sid_context,
                                 sizeof(sid_context) - 1);
  return ctx;
}

void verify_peer(tls_stream& tls, std::string* reason,
                 const std::string& host_name) {
  std::optional<ssl::host_name_verification> name_check;
  if (!host_name.empty())
    name_check.emplace(host_name);
  tls.set_verify_callback([reason, name_check](bool preverified,
                                               ssl::verify_context& vc) {
    auto* store = vc.native_handle();
    bool ok = preverified && (!name_check || (*name_check)(preverified, vc));
    // Without an error code OpenSSL would send an internal_error alert.
    if (!ok && X509_STORE_CTX_get_error(store) == X509_V_OK)
      X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
    if (!ok && reason->empty())
      *reason = std::string(X509_verify_cert_error_string(
                  X509_STORE_CTX_get_error(store)))
                + " (subject "
                + subject_of(X509_STORE_CTX_get_current_cert(store))
                + ", depth "
                + std::to_string(X509_STORE_CTX_get_error_depth(store)) + ")";
    return ok;
  });
}

} // namespace vmforge::net
