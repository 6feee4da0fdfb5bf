#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/tls_options.hpp"

// The controller's end of the cluster port: terminates mutual TLS and
// splices each authenticated connection to a plain target port on
// loopback (CAF's BASP port), refusing BASP frames above a cap on the
// way in. It knows nothing of CAF beyond that framing.
namespace vmforge::net {

struct tls_acceptor_options {
  std::string listen = "0.0.0.0";
  /// 0 picks a free port (see tls_acceptor::port()).
  uint16_t port = 0;
  tls_files tls;
  /// Where authenticated connections go (CAF's loopback BASP port).
  std::string target_host = "127.0.0.1";
  uint16_t target_port = 0;
  /// How long a connection may take from accept to its spliced state
  /// (the TLS handshake and the connect to the target).
  std::chrono::milliseconds handshake_timeout{10000};
  /// Connections open at once, in their handshake or spliced.
  size_t max_connections = 64;
  /// The largest BASP payload a client may announce.
  uint32_t max_frame = 16 * 1024 * 1024;
};

/// Written by the acceptor's thread, readable from any.
struct tls_acceptor_counters {
  /// Connections whose TLS handshake succeeded.
  std::atomic<uint64_t> accepted{0};
  /// Clients without a certificate the CA signed.
  std::atomic<uint64_t> refused_certificate{0};
  /// Other failed handshakes (not TLS at all, protocol errors).
  std::atomic<uint64_t> handshake_failed{0};
  std::atomic<uint64_t> handshake_timeouts{0};
  /// Connections closed at accept because max_connections were open.
  std::atomic<uint64_t> over_limit{0};
  /// Connections dropped for a BASP frame above max_frame.
  std::atomic<uint64_t> frame_too_large{0};
  /// Connections open now.
  std::atomic<uint64_t> active{0};
};

class tls_acceptor {
public:
  explicit tls_acceptor(tls_acceptor_options opts);
  ~tls_acceptor();
  tls_acceptor(const tls_acceptor&) = delete;
  tls_acceptor& operator=(const tls_acceptor&) = delete;

  /// Loads the certificates, binds and starts the acceptor's thread;
  /// throws std::runtime_error for a file it cannot load and
  /// std::system_error if it cannot bind.
  void start();
  /// Closes the port and every connection and joins the thread.
  void stop();
  /// The bound port (after start).
  uint16_t port() const;
  const tls_acceptor_counters& counters() const;

  /// Opaque; the connections point into it.
  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace vmforge::net
