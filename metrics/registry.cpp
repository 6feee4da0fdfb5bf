#include "metrics/registry.hpp"

#include <charconv>
#include <cmath>

namespace vmforge::metrics {

namespace {

using buckets = Histogram::BucketBoundaries;

// An API answer: a tenth of a millisecond (a cached read) to seconds (a
// create waiting for its commit under load).
const buckets api_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                          0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                          1,      2.5,     5,      10};
// Builds and their stages: a millisecond (the fake driver) to the ten
// minutes of instance_build_timeout.
const buckets build_buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                            0.1,   0.25,   0.5,   1,    2.5,   5,
                            10,    30,     60,    120,  300,   600};
// One selection over up to thousands of hosts.
const buckets decision_buckets{0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                               0.0005,  0.001,    0.0025,  0.005,  0.01,
                               0.025,   0.05,     0.1};
const buckets commit_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                             1,      2.5,     5};
// A Glance request: milliseconds (a show) to the minutes of a large
// image's download or upload.
const buckets glance_buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                             2.5,   5,    10,    30,   60,  120, 300, 600};
const buckets batch_buckets{1,   2,   5,    10,   20,   50,
                            100, 200, 500,  1000, 2000, 5000};

template <class Builder>
auto& make(Builder builder, prometheus::Registry& reg, const char* name,
           const char* help) {
  return builder.Name(name).Help(help).Register(reg);
}

family<Counter>& counters(prometheus::Registry& reg, const char* name,
                          const char* help) {
  return make(prometheus::BuildCounter(), reg, name, help);
}

family<Gauge>& gauges(prometheus::Registry& reg, const char* name,
                      const char* help) {
  return make(prometheus::BuildGauge(), reg, name, help);
}

family<Histogram>& histograms(prometheus::Registry& reg, const char* name,
                              const char* help) {
  return make(prometheus::BuildHistogram(), reg, name, help);
}

Gauge& gauge(prometheus::Registry& reg, const char* name, const char* help) {
  return gauges(reg, name, help).Add({});
}

Counter& counter(prometheus::Registry& reg, const char* name,
                 const char* help) {
  return counters(reg, name, help).Add({});
}

constexpr double mib = 1024.0 * 1024.0;
constexpr double gib = 1024.0 * mib;

// HTTP methods beyond these (Beast knows dozens) share one label value.
const std::string& method_label(const std::string& method) {
  static const std::string known[] = {"GET", "HEAD", "POST", "PUT",
                                      "PATCH", "DELETE", "OPTIONS"};
  static const std::string other = "other";
  for (auto& k : known)
    if (method == k)
      return k;
  return other;
}

} // namespace

api_metrics::api_metrics(family<Counter>& requests,
                         family<Histogram>& duration)
  : requests_(requests), duration_(duration) {
  // nop
}

void api_metrics::observe(const std::string& method, const std::string& route,
                          unsigned status, double seconds) {
  auto& m = method_label(method);
  auto code = std::to_string(status);
  auto key = m + ' ' + code + ' ' + route;
  series s;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = cache_.find(key);
    if (i == cache_.end())
      i = cache_
            .emplace(std::move(key),
                     series{&requests_.Add({{"method", m},
                                            {"route", route},
                                            {"status", code}}),
                            &duration_.Add({{"method", m}, {"route", route}},
                                           api_buckets)})
            .first;
    s = i->second;
  }
  s.requests->Increment();
  s.duration->Observe(seconds);
}

void host_metrics::set_usage(const resources& capacity, const resources& used,
                             int64_t running, int64_t queued) {
  vcpus.Set(static_cast<double>(capacity.vcpus));
  memory.Set(static_cast<double>(capacity.ram_mb) * mib);
  disk.Set(static_cast<double>(capacity.disk_gb) * gib);
  vcpus_used.Set(static_cast<double>(used.vcpus));
  memory_used.Set(static_cast<double>(used.ram_mb) * mib);
  disk_used.Set(static_cast<double>(used.disk_gb) * gib);
  running_builds.Set(static_cast<double>(running));
  queued_builds.Set(static_cast<double>(queued));
}

namespace {

api_metrics make_api(prometheus::Registry& r) {
  return {counters(r, "vmforge_api_requests_total",
                   "Compute API requests answered, by method, route "
                   "template and status code."),
          histograms(r, "vmforge_api_request_duration_seconds",
                     "Time from a Compute API request's arrival to its "
                     "answer, by method and route template.")};
}

build_metrics make_builds(prometheus::Registry& r) {
  auto& results = counters(r, "vmforge_builds_total",
                           "Builds ended, by result: active, error, or "
                           "deleted (the instance was deleted while it "
                           "was building).");
  auto& stages = histograms(r, "vmforge_build_stage_duration_seconds",
                            "Time a build attempt spent in a stage: "
                            "scheduling, queued (waiting for a build "
                            "slot on its host), spawning (the driver).");
  auto& states = gauges(r, "vmforge_instances",
                        "Instances by vm_state.");
  auto& unanswered = counters(r, "vmforge_build_scheduler_timeouts_total",
                              "Requests of the conductor the scheduler did "
                              "not answer in time, by request.");
  build_metrics b{
    results.Add({{"result", "active"}}),
    results.Add({{"result", "error"}}),
    results.Add({{"result", "deleted"}}),
    histograms(r, "vmforge_build_duration_seconds",
               "Time from a build's acceptance by the conductor to ACTIVE.")
      .Add({}, build_buckets),
    stages.Add({{"stage", "scheduling"}}, build_buckets),
    stages.Add({{"stage", "queued"}}, build_buckets),
    stages.Add({{"stage", "spawning"}}, build_buckets),
    counter(r, "vmforge_build_reschedules_total",
            "Failed build attempts sent to another host."),
    counter(r, "vmforge_build_no_valid_host_total",
            "Scheduling requests no host could take (No valid host was "
            "found)."),
    counter(r, "vmforge_build_timeouts_total",
            "Builds put in ERROR by instance_build_timeout."),
    unanswered.Add({{"request", "select_destinations"}}),
    unanswered.Add({{"request", "claim_host"}}),
    gauge(r, "vmforge_builds_in_flight",
          "Builds accepted by the conductor and not ended yet."),
    {}};
  for (auto vm : all_vm_states)
    b.instances.push_back(&states.Add({{"vm_state", to_string(vm)}}));
  return b;
}

scheduler_metrics make_scheduler(prometheus::Registry& r) {
  return {histograms(r, "vmforge_scheduler_decision_duration_seconds",
                     "Time the scheduler took to select a host (filters, "
                     "weighers, claim).")
            .Add({}, decision_buckets),
          counters(r, "vmforge_scheduler_filter_hosts_considered_total",
                   "Hosts a scheduler filter examined during selections, "
                   "by filter."),
          counters(r, "vmforge_scheduler_filter_hosts_passed_total",
                   "Hosts a scheduler filter let through during "
                   "selections, by filter.")};
}

runtime_metrics make_runtime(prometheus::Registry& r) {
  auto& restarts = counters(r, "vmforge_actor_restarts_total",
                            "Actors restarted by their supervisor, by kind.");
  // Present from the start, so that rate() sees the first restart.
  restarts.Add({{"kind", "compute_manager"}});
  restarts.Add({{"kind", "driver_worker"}});
  restarts.Add({{"kind", "image_cache"}});
  auto& mailbox = gauges(r, "vmforge_actor_mailbox_messages",
                         "Messages waiting in an actor's mailbox, sampled "
                         "on its timer, by actor.");
  return {restarts,
          mailbox.Add({{"actor", "conductor"}}),
          mailbox.Add({{"actor", "scheduler"}}),
          histograms(r, "vmforge_store_write_batch_size",
                     "Writes committed together in one store transaction "
                     "(group commit).")
            .Add({}, batch_buckets),
          histograms(r, "vmforge_store_commit_duration_seconds",
                     "Time one store transaction took to commit, fsync "
                     "included.")
            .Add({}, commit_buckets),
          counters(r, "vmforge_libvirt_call_errors_total",
                   "libvirt calls that failed, by call.")};
}

cluster_metrics make_cluster(prometheus::Registry& r) {
  auto& joins = counters(r, "vmforge_cluster_joins_total",
                         "Joins of compute processes to their controller, "
                         "by result.");
  // Present from the start, so that rate() sees the first of each.
  for (auto result : {"accepted", "incompatible", "already_joined", "failed"})
    joins.Add({{"result", result}});
  return {gauge(r, "vmforge_cluster_hosts_connected",
                "Compute processes joined to this controller with their "
                "link up."),
          gauge(r, "vmforge_cluster_connected",
                "1 while this compute process is joined to its controller."),
          joins,
          counter(r, "vmforge_cluster_link_losses_total",
                  "Links between a controller and a compute process that "
                  "were lost."),
          counters(r, "vmforge_cluster_tls_connections_total",
                   "Connections to the controller's TLS cluster port, by "
                   "how their handshake ended."),
          gauge(r, "vmforge_cluster_tls_connections",
                "Connections open on the controller's TLS cluster port.")};
}

// A snapshot's upload: a small qcow2 in a second to gigabytes in an hour.
const buckets upload_buckets{0.01, 0.05, 0.1, 0.25, 0.5, 1,    2.5,  5,
                             10,   30,   60,  120,  300, 600, 1800, 3600};

snapshot_metrics make_snapshots(prometheus::Registry& r) {
  auto& uploads = counters(r, "vmforge_image_snapshot_uploads_total",
                           "Snapshots (createImage, shelve) a compute host "
                           "uploaded to the image service, by result: ok, "
                           "error.");
  return {uploads.Add({{"result", "ok"}}), uploads.Add({{"result", "error"}}),
          counter(r, "vmforge_image_snapshot_upload_bytes_total",
                  "Bytes of snapshots uploaded to the image service."),
          histograms(r, "vmforge_image_snapshot_upload_seconds",
                     "Time one snapshot's upload to the image service took "
                     "(its properties and its data), successful or not.")
            .Add({}, upload_buckets)};
}

glance_metrics make_glance(prometheus::Registry& r) {
  return {counters(r, "vmforge_glance_requests_total",
                   "HTTP requests of the Glance client, by call and HTTP "
                   "status (connect_error: no answer)."),
          histograms(r, "vmforge_glance_request_seconds",
                     "Time an HTTP request of the Glance client took (a "
                     "download or upload until its last byte), by call.")};
}

} // namespace

void glance_metrics::observe(const std::string& call, const std::string& code,
                             double seconds) {
  requests.Add({{"call", call}, {"code", code}}).Increment();
  duration.Add({{"call", call}}, glance_buckets).Observe(seconds);
}

registry::registry()
  : reg_(std::make_shared<prometheus::Registry>()),
    api(make_api(*reg_)),
    builds(make_builds(*reg_)),
    scheduler(make_scheduler(*reg_)),
    runtime(make_runtime(*reg_)),
    cluster(make_cluster(*reg_)),
    snapshots(make_snapshots(*reg_)),
    glance(make_glance(*reg_)) {
  // nop
}

host_metrics& registry::host(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& slot = hosts_[name];
  if (!slot) {
    auto& r = *reg_;
    auto one = [&](const char* metric, const char* help) -> Gauge& {
      return gauges(r, metric, help).Add({{"host", name}});
    };
    // Families are registered once; later hosts get the same family back.
    slot.reset(new host_metrics{
      one("vmforge_compute_host_up",
          "1 if the scheduler's ComputeFilter takes the host (service "
          "enabled, heartbeat within service_down_time), else 0."),
      one("vmforge_compute_host_vcpus", "vCPUs of the host."),
      one("vmforge_compute_host_vcpus_used",
          "vCPUs claimed by instances on the host."),
      one("vmforge_compute_host_memory_bytes", "Memory of the host."),
      one("vmforge_compute_host_memory_used_bytes",
          "Memory claimed by instances on the host."),
      one("vmforge_compute_host_disk_bytes", "Disk of the host."),
      one("vmforge_compute_host_disk_used_bytes",
          "Disk claimed by instances on the host."),
      one("vmforge_compute_host_running_builds",
          "Builds running on the host (at most max_concurrent_builds)."),
      one("vmforge_compute_host_queued_builds",
          "Builds waiting for a build slot on the host."),
      one("vmforge_compute_host_mailbox_messages",
          "Messages waiting in the host's compute manager mailbox, sampled "
          "at each heartbeat.")});
  }
  return *slot;
}

image_cache_metrics& registry::image_cache(const std::string& name) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& slot = image_caches_[name];
  if (!slot) {
    auto& r = *reg_;
    auto labels = prometheus::Labels{{"host", name}};
    auto& downloads = counters(r, "vmforge_image_downloads_total",
                               "Image downloads into a host's image cache, "
                               "by result.");
    auto& requests = counters(r, "vmforge_image_cache_requests_total",
                              "Requests for an image's base file on a host, "
                              "by result: hit (present), miss (a download "
                              "started), wait (a download already running).");
    slot.reset(new image_cache_metrics{
      downloads,
      counters(r, "vmforge_image_download_bytes_total",
               "Bytes downloaded into a host's image cache.")
        .Add(labels),
      histograms(r, "vmforge_image_download_seconds",
                 "Time one image download took (the transfer, its digest, "
                 "qemu-img's checks and any conversion).")
        .Add(labels, build_buckets),
      requests.Add({{"host", name}, {"result", "hit"}}),
      requests.Add({{"host", name}, {"result", "miss"}}),
      requests.Add({{"host", name}, {"result", "wait"}}),
      gauges(r, "vmforge_image_cache_bases",
             "Base files present in a host's image cache.")
        .Add(labels),
      gauges(r, "vmforge_image_cache_bytes",
             "Bytes of the base files present in a host's image cache.")
        .Add(labels),
      counters(r, "vmforge_image_cache_removed_total",
               "Unused base files the image cache manager removed.")
        .Add(labels),
      name});
    // Present from the start, so that rate() sees the first of each.
    for (auto result : {"ok", "checksum_mismatch", "no_data", "http_error",
                        "io_error", "unacceptable"})
      slot->download(result);
  }
  return *slot;
}

void registry::on_collect(std::function<void()> fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  hooks_.push_back(std::move(fn));
}

std::vector<prometheus::MetricFamily> registry::collect() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    hooks = hooks_;
  }
  for (auto& fn : hooks)
    fn();
  return reg_->Collect();
}

namespace {

// The text format written straight into one string: prometheus-cpp's
// TextSerializer goes through an ostream and printf, which made a scrape
// of 1,000 hosts (10,000 series) cost several milliseconds more.
void put_number(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "NaN";
  } else if (std::isinf(x)) {
    out += x > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, res.ptr);
  }
}

// Escapes `\`, newlines and, in label values, `"`.
void put_escaped(std::string& out, const std::string& s, bool quotes) {
  for (auto c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

// name{labels[,le="bound"]} value
void put_sample(std::string& out, const std::string& name, const char* suffix,
                const prometheus::ClientMetric& m, const double* le,
                double value) {
  out += name;
  out += suffix;
  if (!m.label.empty() || le) {
    out += '{';
    for (auto& l : m.label) {
      out += l.name;
      out += "=\"";
      put_escaped(out, l.value, true);
      out += "\",";
    }
    if (le) {
      out += "le=\"";
      put_number(out, *le);
      out += "\",";
    }
    out.back() = '}';
  }
  out += ' ';
  put_number(out, value);
  out += '\n';
}

const char* type_name(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter:
      return "counter";
    case prometheus::MetricType::Gauge:
      return "gauge";
    case prometheus::MetricType::Histogram:
      return "histogram";
    default:
      return "untyped"; // vmforge registers no other kind
  }
}

} // namespace

std::string registry::text() const {
  std::string out;
  for (auto& fam : collect()) {
    if (fam.metric.empty())
      continue;
    out += "# HELP " + fam.name + " ";
    put_escaped(out, fam.help, false);
    out += "\n# TYPE " + fam.name + " " + type_name(fam.type) + "\n";
    for (auto& m : fam.metric) {
      switch (fam.type) {
        case prometheus::MetricType::Counter:
          put_sample(out, fam.name, "", m, nullptr, m.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          put_sample(out, fam.name, "", m, nullptr, m.gauge.value);
          break;
        case prometheus::MetricType::Histogram:
          for (auto& b : m.histogram.bucket)
            put_sample(out, fam.name, "_bucket", m, &b.upper_bound,
                       static_cast<double>(b.cumulative_count));
          put_sample(out, fam.name, "_sum", m, nullptr,
                     m.histogram.sample_sum);
          put_sample(out, fam.name, "_count", m, nullptr,
                     static_cast<double>(m.histogram.sample_count));
          break;
        default:
          put_sample(out, fam.name, "", m, nullptr, m.untyped.value);
          break;
      }
    }
  }
  return out;
}

call_error_hook libvirt_call_error_hook(registry_ptr reg) {
  return [reg = std::move(reg)](const std::string& call) {
    reg->runtime.libvirt_errors.Add({{"call", call}}).Increment();
  };
}

request_hook glance_request_hook(registry_ptr reg) {
  return [reg = std::move(reg)](const std::string& call,
                                const std::string& code, double seconds) {
    reg->glance.observe(call, code, seconds);
  };
}

} // namespace vmforge::metrics
