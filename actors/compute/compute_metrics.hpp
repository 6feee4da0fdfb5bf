#pragma once

#include <memory>
#include <string>

#include "metrics/registry.hpp"

// The metrics the compute side updates (docs/metrics.md): handles of their
// own, never the whole registry of the process that counts them. Each
// handle shares the ownership of its registry, so it stays valid as long
// as an actor holds it.
namespace vmforge {

/// One compute host's.
struct compute_metrics {
  /// Build stages on the host: waiting for a slot, the driver's spawn.
  std::shared_ptr<metrics::Histogram> queued;
  std::shared_ptr<metrics::Histogram> spawning;
  /// Its usage gauges and mailbox depth.
  std::shared_ptr<metrics::host_metrics> host;
  /// Snapshot uploads (the process's, not the host's).
  std::shared_ptr<metrics::snapshot_metrics> snapshots;
  /// Its image cache's downloads, requests and base files.
  std::shared_ptr<metrics::image_cache_metrics> images;

  /// The handles of `host` in `reg`.
  static compute_metrics of(const metrics::registry_ptr& reg,
                            const std::string& host) {
    return {{reg, &reg->builds.queued},
            {reg, &reg->builds.spawning},
            {reg, &reg->host(host)},
            {reg, &reg->snapshots},
            {reg, &reg->image_cache(host)}};
  }
};

/// Restarts by actor kind (vmforge_actor_restarts_total{kind}), which the
/// supervisor counts.
using restart_counters = std::shared_ptr<metrics::family<metrics::Counter>>;

inline restart_counters restart_counters_of(const metrics::registry_ptr& reg) {
  return {reg, &reg->runtime.restarts};
}

} // namespace vmforge
