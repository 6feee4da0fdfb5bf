#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace vmforge::test {

/// A TCP echo server on 127.0.0.1 (a free port), on a thread of its own:
/// the stand-in for CAF's BASP port behind the TLS gateway.
class echo_server {
public:
  echo_server();
  ~echo_server();
  echo_server(const echo_server&) = delete;
  echo_server& operator=(const echo_server&) = delete;

  uint16_t port() const;
  /// Connections accepted so far.
  uint64_t connections() const;
  /// Bytes received so far, on all connections.
  uint64_t received() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace vmforge::test
