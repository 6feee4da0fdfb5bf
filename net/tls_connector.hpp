#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/tls_options.hpp"

// A compute's end of the cluster port: a loopback port for CAF's
// middleman to connect to, each connection carried over mutual TLS to the
// controller's tls_acceptor. A connection that cannot be carried is
// closed, which CAF sees as a failed connect and retries.
namespace vmforge::net {

struct tls_connector_options {
  /// The controller's TLS port.
  std::string remote_host;
  uint16_t remote_port = 0;
  tls_files tls;
  /// The name the controller's certificate must carry (a DNS name or an
  /// IP address of its subjectAltName); empty means remote_host.
  std::string server_name;
  /// Resolving and connecting to remote_host.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds handshake_timeout{10000};
};

class tls_connector {
public:
  explicit tls_connector(tls_connector_options opts);
  ~tls_connector();
  tls_connector(const tls_connector&) = delete;
  tls_connector& operator=(const tls_connector&) = delete;

  /// Loads the certificates, listens on 127.0.0.1 (a free port) and
  /// starts the connector's thread; throws std::runtime_error for a file
  /// it cannot load and std::system_error if it cannot bind.
  void start();
  /// Closes the local port and every connection and joins the thread.
  void stop();
  /// The local port CAF connects to (after start).
  uint16_t port() const;

  /// Opaque; the connections point into it.
  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace vmforge::net
