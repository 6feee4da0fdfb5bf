#pragma once

#include <cstdint>
#include <string>

#include "http/server.hpp"
#include "metrics/registry.hpp"

namespace vmforge::metrics {

/// GET /metrics: the registry in Prometheus's text format, on its own
/// address and port ([metrics] listen, port) and its own I/O thread, so a
/// scrape never waits behind Compute API traffic or an actor.
class endpoint {
public:
  endpoint(registry_ptr reg, std::string listen, uint16_t port);

  /// Binds and starts serving (until destroyed); throws boost::system's
  /// system_error if the address cannot be bound.
  void start();
  /// The bound port (after start; port 0 picks a free one).
  uint16_t port() const;

private:
  registry_ptr reg_;
  http::server server_;
};

} // namespace vmforge::metrics
