#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/cluster/cluster_actor.hpp"
#include "config/options.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

namespace net {
class tls_acceptor;
}

/// A controller's cluster port. Plain CAF (BASP) only ever listens on
/// loopback: without TLS on [cluster] listen:port itself, with TLS on an
/// ephemeral loopback port behind vmforge's TLS acceptor on listen:port
/// (docs/security.md says why CAF's own TLS module is not used).
class cluster_endpoint {
public:
  /// Publishes `registry`; throws std::runtime_error with the reason.
  cluster_endpoint(caf::actor_system& sys, cluster_actor registry,
                   const cluster_options& opts, metrics::registry_ptr reg);
  ~cluster_endpoint();

  /// Where compute processes connect, for the log: "tls://ADDR:PORT" or
  /// "ADDR:PORT".
  std::string description() const;
  uint16_t port() const;

private:
  caf::actor_system& sys_;
  cluster_actor registry_;
  std::string listen_;
  uint16_t basp_port_ = 0;
  /// Shared with the metrics hook, which must not outlive it.
  std::shared_ptr<net::tls_acceptor> tls_;
};

} // namespace vmforge
