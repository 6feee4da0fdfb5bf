#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "messages/instance.hpp"

// vmforge's Prometheus metrics: every family, created once, and the handles
// the stages update. prometheus-cpp's counters, gauges and histograms are
// thread-safe, so actors, HTTP and writer threads update them directly.
// docs/metrics.md lists them all.
namespace vmforge::metrics {

using prometheus::Counter;
using prometheus::Gauge;
using prometheus::Histogram;
template <class T>
using family = prometheus::Family<T>;

/// What histograms observe: seconds, as a double.
inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
    .count();
}

/// The Compute API's answers.
class api_metrics {
public:
  api_metrics(family<Counter>& requests, family<Histogram>& duration);

  /// One answered request. `route` is its template (`/v2.1/servers/{id}`),
  /// never the raw path, so that label values stay few. Thread-safe.
  void observe(const std::string& method, const std::string& route,
               unsigned status, double seconds);

private:
  struct series {
    Counter* requests;
    Histogram* duration;
  };

  family<Counter>& requests_;
  family<Histogram>& duration_;
  // Every request looks its series up here rather than in the families,
  // which build label maps for it: a tenth of the cost.
  std::mutex mtx_;
  std::unordered_map<std::string, series> cache_;
};

/// The build pipeline (conductor, compute managers, store).
struct build_metrics {
  Counter& active;
  Counter& error;
  Counter& deleted;
  /// Accepted by the conductor -> ACTIVE.
  Histogram& duration;
  /// Waiting for a host (scheduler, or the claim of an alternate).
  Histogram& scheduling;
  /// On the compute host, waiting for a build slot.
  Histogram& queued;
  /// The driver's spawn call.
  Histogram& spawning;
  Counter& reschedules;
  Counter& no_valid_host;
  Counter& timeouts;
  /// Requests to the scheduler the conductor stopped waiting for.
  Counter& select_timeouts;
  Counter& claim_timeouts;
  Gauge& in_flight;
  /// Instances by vm_state, indexed by the enum's value.
  std::vector<Gauge*> instances;
};

struct scheduler_metrics {
  Histogram& decision;
  family<Counter>& considered;
  family<Counter>& passed;
};

/// One compute host, as its compute manager accounts for it (up: as the
/// scheduler's ComputeFilter sees it). Memory and disk in bytes.
struct host_metrics {
  Gauge& up;
  Gauge& vcpus;
  Gauge& vcpus_used;
  Gauge& memory;
  Gauge& memory_used;
  Gauge& disk;
  Gauge& disk_used;
  Gauge& running_builds;
  Gauge& queued_builds;
  Gauge& mailbox;

  void set_usage(const resources& capacity, const resources& used,
                 int64_t running, int64_t queued);
};

/// One compute host's image cache (docs/images.md): its downloads, the
/// requests it answered and the base files it holds.
struct image_cache_metrics {
  /// Downloads by result (ok, checksum_mismatch, no_data, http_error,
  /// io_error, unacceptable).
  family<Counter>& downloads;
  Counter& download_bytes;
  Histogram& download_seconds;
  /// Requests for a base: present (hit), a download started (miss), a
  /// download already running (wait).
  Counter& hits;
  Counter& misses;
  Counter& waits;
  Gauge& bases;
  Gauge& bytes;
  Counter& removed;
  std::string host;

  Counter& download(const std::string& result) {
    return downloads.Add({{"host", host}, {"result", result}});
  }
};

struct runtime_metrics {
  family<Counter>& restarts;
  Gauge& conductor_mailbox;
  Gauge& scheduler_mailbox;
  Histogram& store_batch;
  Histogram& store_commit;
  family<Counter>& libvirt_errors;
};

/// The cluster: the controller's registry of compute processes and a
/// compute process's link to its controller.
struct cluster_metrics {
  /// Controller: compute processes joined with their link up.
  Gauge& hosts_connected;
  /// Compute: 1 while joined to its controller.
  Gauge& connected;
  /// Joins by result: accepted, incompatible, already_joined, failed.
  family<Counter>& joins;
  /// Links lost (a compute's, on the controller; the controller's, on a
  /// compute).
  Counter& link_losses;
  /// Controller with TLS: connections to the cluster port by how they
  /// ended their handshake (accepted, refused_certificate,
  /// handshake_failed, handshake_timeout, over_limit, frame_too_large),
  /// and those open now.
  family<Counter>& tls_connections;
  Gauge& tls_open;

  Counter& join(const std::string& result) {
    return joins.Add({{"result", result}});
  }
};

/// Snapshot uploads of the compute hosts (createImage and shelve): the
/// flattened disk sent to the image service.
struct snapshot_metrics {
  /// vmforge_image_snapshot_uploads_total by result (ok, error).
  Counter& uploads_ok;
  Counter& uploads_error;
  Counter& bytes;
  Histogram& seconds;

  Counter& uploads(bool ok) {
    return ok ? uploads_ok : uploads_error;
  }
};

/// The Glance v2 client's HTTP requests (images/glance_image_service),
/// by call (show, list, download, create, update, upload, delete) and code
/// (the HTTP status, or connect_error).
struct glance_metrics {
  family<Counter>& requests;
  family<Histogram>& duration;

  /// One request; thread-safe.
  void observe(const std::string& call, const std::string& code,
               double seconds);
};

/// Counts a failed libvirt call by the call's name (virDomainCreateXML...);
/// safe from any thread.
using call_error_hook = std::function<void(const std::string& call)>;

class registry {
public:
  registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

private:
  // First: the handles below are references into it.
  std::shared_ptr<prometheus::Registry> reg_;

public:
  api_metrics api;
  build_metrics builds;
  scheduler_metrics scheduler;
  runtime_metrics runtime;
  cluster_metrics cluster;
  snapshot_metrics snapshots;
  glance_metrics glance;

  /// The host's gauges, created on first use; the reference stays valid
  /// (a restarted compute manager gets the same ones). Thread-safe.
  host_metrics& host(const std::string& name);
  /// The host's image cache metrics, as `host`: created on first use,
  /// the same ones for a restarted cache. Thread-safe.
  image_cache_metrics& image_cache(const std::string& name);

  /// `fn` runs before every collection, on the collecting thread: for
  /// values that change with time alone (a host whose heartbeat stops).
  void on_collect(std::function<void()> fn);

  std::vector<prometheus::MetricFamily> collect() const;
  /// The text exposition format (version 0.0.4), what /metrics answers.
  std::string text() const;

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::unique_ptr<host_metrics>> hosts_;
  std::unordered_map<std::string, std::unique_ptr<image_cache_metrics>>
    image_caches_;
  std::vector<std::function<void()>> hooks_;
};

using registry_ptr = std::shared_ptr<registry>;

/// What the libvirt driver calls on a failed call: counts it in
/// vmforge_libvirt_call_errors_total{call}. It keeps `reg` alive.
call_error_hook libvirt_call_error_hook(registry_ptr reg);

/// What the Glance client tells of each request (images::request_observer's
/// signature): counted in vmforge_glance_requests_total{call,code} and
/// vmforge_glance_request_seconds{call}. It keeps `reg` alive.
using request_hook = std::function<void(const std::string& call,
                                        const std::string& code,
                                        double seconds)>;
request_hook glance_request_hook(registry_ptr reg);

} // namespace vmforge::metrics
