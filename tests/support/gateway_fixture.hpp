#pragma once

#include <boost/asio/io_context.hpp>

#include "net/tls_acceptor.hpp"
#include "net/tls_connector.hpp"
#include "tests/support/echo_server.hpp"
#include "tests/support/test_pki.hpp"

namespace vmforge::test {

/// What the gateway's tests share: a PKI, an echo server standing in for
/// CAF's BASP port, and options that point an acceptor at it and a
/// connector at an acceptor.
struct gateway_fixture {
  test_pki pki;
  echo_server target;
  /// For the tests' own blocking clients.
  boost::asio::io_context client_ioc;

  net::tls_acceptor_options acceptor_options() {
    net::tls_acceptor_options opts;
    opts.listen = "127.0.0.1";
    opts.tls = pki.server();
    opts.target_port = target.port();
    return opts;
  }

  /// A connector to `acceptor` presenting `client`.
  net::tls_connector_options connector_options(const net::tls_acceptor& a,
                                               net::tls_files client) {
    net::tls_connector_options opts;
    opts.remote_host = "127.0.0.1";
    opts.remote_port = a.port();
    opts.tls = std::move(client);
    return opts;
  }
};

} // namespace vmforge::test
