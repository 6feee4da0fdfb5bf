#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/options.hpp"

namespace vmforge {

namespace net {
class tls_connector;
}

/// Where a compute's middleman connects to reach its controller: the
/// controller's loopback BASP port itself, or with TLS the local end of
/// vmforge's TLS connector, which dials the controller (verifying its
/// certificate and name) for each connection the middleman opens.
class cluster_dialer {
public:
  /// Throws std::runtime_error if the TLS files cannot be loaded.
  cluster_dialer(std::string controller_host, uint16_t controller_port,
                 const cluster_options& opts);
  ~cluster_dialer();

  /// What the middleman connects to.
  const std::string& host() const {
    return host_;
  }
  uint16_t port() const {
    return port_;
  }
  /// The controller, for the log.
  std::string description() const;

private:
  std::string controller_;
  std::string host_;
  uint16_t port_ = 0;
  std::unique_ptr<net::tls_connector> tls_;
};

} // namespace vmforge
