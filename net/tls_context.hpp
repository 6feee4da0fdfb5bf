#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/tls_options.hpp"

// The TLS settings both ends of the cluster port share: mutual
// authentication against one CA, TLS 1.2 at least.
namespace vmforge::net {

using tcp = boost::asio::ip::tcp;
using tls_stream = boost::asio::ssl::stream<tcp::socket>;

enum class tls_role { server, client };

/// A context that presents `files.certificate` and requires a peer
/// certificate signed by `files.ca_file`; throws std::runtime_error naming
/// the file it cannot load.
boost::asio::ssl::context make_tls_context(const tls_files& files,
                                           tls_role role);

/// Verifies the peer of `tls` with OpenSSL's chain check and, if
/// `host_name` is given, that its certificate is for that DNS name or IP
/// address; writes why a certificate was refused into `*reason` (which
/// must outlive the handshake): OpenSSL's handshake error only says
/// "certificate verify failed".
void verify_peer(tls_stream& tls, std::string* reason,
                 const std::string& host_name = {});

} // namespace vmforge::net
