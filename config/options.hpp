#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/instance.hpp"
#include "messages/network.hpp"
#include "messages/quota.hpp"

// Every option the pipeline reads, grouped as nova.conf groups them and
// named as Nova names them where Nova has the option. Defaults are Nova's
// unless a comment says why not. config/config_file reads them from a
// nova.conf-style file; docs/configuration.md lists them all.
namespace vmforge {

/// [filter_scheduler] and [scheduler].
struct scheduler_options {
  int32_t max_attempts = 3;
  std::vector<std::string> enabled_filters = {
    "ComputeFilter", "AvailabilityZoneFilter", "RamFilter", "CoreFilter",
    "DiskFilter", "ServerGroupAntiAffinityFilter", "ServerGroupAffinityFilter"};
  int32_t host_subset_size = 1;
  double ram_weight_multiplier = 1.0;
  double cpu_weight_multiplier = 1.0;
  double disk_weight_multiplier = 1.0;
  /// The soft server group policies' weighers (never negative).
  double soft_affinity_weight_multiplier = 1.0;
  double soft_anti_affinity_weight_multiplier = 1.0;
  /// [DEFAULT] service_down_time: a host silent for longer is down.
  int64_t service_down_time_s = 60;
  /// Seed for host_subset_size's random pick (0: from the OS).
  uint64_t seed = 0;
  /// AggregateImagePropertiesIsolation: only aggregate keys under this
  /// namespace (and separator) are matched; empty: every key.
  std::string aggregate_image_properties_isolation_namespace;
  std::string aggregate_image_properties_isolation_separator = ".";
};

/// One compute host of an all-in-one process ([host:NAME] sections).
struct host_config {
  std::string name;
  std::string availability_zone = "nova";
  /// Zero fields are taken from the driver's reported capacity.
  resources capacity;
  allocation_ratios ratios;
  bool enabled = true;
  /// The libvirt URI of this host; empty: [libvirt] connection_uri.
  std::string connection_uri;
};

/// [fake_driver]: latency and fault injection, deterministic under `seed`.
struct fake_driver_options {
  /// Spawn latency: fixed when min == max, else uniform in [min, max].
  int64_t latency_min_ms = 0;
  int64_t latency_max_ms = 0;
  /// Fraction of spawns that fail with a retryable error.
  double failure_rate = 0.0;
  /// Spawns on these hosts always fail (retryable).
  std::vector<std::string> fail_on_hosts;
  /// Fraction of spawns that fail for good (BuildAbortException).
  double abort_rate = 0.0;
  /// The Nth driver call on a host throws (crashing its worker); 0 = off.
  int64_t throw_on_nth_call = 0;
  /// Spawns on these hosts never return until the driver shuts down.
  std::vector<std::string> hang_on_hosts;
  /// Capacity each fake host reports (Nova's FakeDriver numbers).
  resources capacity{1000, 800000, 600000};
  uint64_t seed = 1;
  /// Where the fake hypervisor keeps its domains, so that they outlive the
  /// daemon as a real hypervisor's do (empty: in memory only).
  std::string state_path;
};

/// [libvirt], for compute_driver = libvirt.LibvirtDriver.
struct libvirt_options {
  /// Any libvirt URI; test:///default is libvirt's in-process test
  /// hypervisor (shared by every host of the process), so that the driver
  /// runs on any machine.
  std::string connection_uri = "test:///default";
  /// auto, kvm, or qemu: software emulation (TCG). auto (not Nova's
  /// default, kvm) picks kvm only where hardware virtualization is loaded:
  /// /dev/kvm alone may be PVM, which ordinary guests cannot boot on.
  std::string virt_type = "auto";
  /// Under qemu, the TCG translation-block cache of each guest in MiB
  /// (libvirt's <tcg><tb-cache>); 0 leaves qemu's own (up to 1 GiB on
  /// x86_64 hosts, which a small guest's host memory grows into).
  int64_t tcg_tb_cache_mb = 32;
};

/// [api]: the Compute API endpoint.
struct api_endpoint_options {
  std::string listen = "127.0.0.1";
  /// 0 picks a free port.
  uint16_t port = 8774;
  int32_t io_threads = 2;
  /// noauth2 or keystone (trusted keystonemiddleware headers).
  std::string auth_strategy = "noauth2";
  /// Threads the controller calls the image service on (show, list of
  /// creates and of the image proxy): its image actor's detached workers.
  int32_t image_workers = 4;
};

/// [metrics]: where Prometheus scrapes /metrics. Not a Nova section.
struct metrics_options {
  std::string listen = "127.0.0.1";
  /// Prometheus's default exporter port range; 0 picks a free port.
  uint16_t port = 9464;
};

/// [DEFAULT] logging options, named as oslo.log names them.
struct logging_options {
  bool debug = false;
  /// Also append log lines to this file (empty: stderr only).
  std::string log_file;
};

/// [cluster]: how compute processes join a controller (`vmforged --role
/// controller|compute`, docs/cluster.md). Not a Nova section: Nova's
/// services meet on a message bus.
struct cluster_options {
  /// The controller's cluster endpoint. A listen address other than
  /// loopback needs the three TLS files.
  std::string listen = "127.0.0.1";
  uint16_t port = 8790;
  /// PEM files of mutual TLS, the same three options at both ends: this
  /// process's certificate chain and key, and the CA that signs its peers.
  std::string certificate;
  std::string private_key;
  std::string ca_file;
  /// The name the controller's certificate must carry (empty: the host of
  /// --controller).
  std::string server_name;
  /// CAF's middleman.heartbeat-interval and connection-timeout, the same at
  /// both ends: a peer silent for connection_timeout is gone.
  double heartbeat_interval_s = 2;
  double connection_timeout_s = 6;
  /// A TLS client that has not finished its handshake by then is dropped.
  double handshake_timeout_s = 10;
  /// Connections the controller's TLS port holds at once.
  int64_t max_connections = 256;
  /// After a restart, how long a controller waits for the hosts it knew to
  /// rejoin before it schedules the builds it found in flight again.
  int64_t rejoin_wait_s = 30;

  bool tls() const {
    return !certificate.empty() || !private_key.empty() || !ca_file.empty();
  }
};

/// [glance]: a real Glance v2 behind the image service (docs/images.md).
/// Empty api_servers: the embedded [image:*] catalog serves images.
struct glance_options {
  /// Nova's [glance] api_servers: full URLs (http://host:9292[/path]),
  /// tried in a shuffled cycle as Nova's get_api_servers.
  std::vector<std::string> api_servers;
  /// Nova's: retries of a call after a connection error or a 503 (so
  /// 1 + num_retries attempts, one second apart, each on the next server).
  int64_t num_retries = 3;
  /// keystoneauth's session timeout, seconds: the longest a connect, or a
  /// read or write of one chunk, may wait (0: never). Nova's default is
  /// none; vmforge's is 60, so that a hung Glance cannot hang a worker.
  int64_t timeout_s = 60;
  /// keystoneauth's cafile: the CA bundle https servers (Glance, Keystone)
  /// are verified against; empty: the system's.
  std::string cafile;
  /// The service user (keystoneauth's password plugin), whose token is
  /// sent when a call has no user token. auth_type empty: none.
  std::string auth_type;
  std::string auth_url;
  std::string username;
  std::string password;
  std::string project_name;
  std::string user_domain_name = "Default";
  std::string project_domain_name = "Default";

  bool enabled() const {
    return !api_servers.empty();
  }
  bool service_user() const {
    return auth_type == "password";
  }
};


/// [image_cache]: each compute host's cache of image base files in
/// instances_path/subdirectory_name (Nova's libvirt image cache and its
/// ImageCacheManager, docs/images.md). Nova's names and defaults, plus
/// download_workers.
struct image_cache_options {
  /// Seconds between runs of the image cache manager: 0 runs it every
  /// 60 s, -1 never.
  int64_t manager_interval_s = 2400;
  /// The base files' folder, relative to instances_path.
  std::string subdirectory_name = "_base";
  bool remove_unused_base_images = true;
  /// Unused base files younger than this are kept.
  int64_t remove_unused_original_minimum_age_seconds = 86400;
  /// Downloads of different images a host runs at once (not a Nova
  /// option: Nova downloads on its greenthreads).
  int32_t download_workers = 2;

  /// The manager's period in seconds, 0 when it is off.
  int64_t manager_period_s() const {
    return manager_interval_s < 0 ? 0
           : manager_interval_s == 0 ? 60
                                     : manager_interval_s;
  }
};

struct options {
  /// [DEFAULT] compute_driver: fake.FakeDriver or libvirt.LibvirtDriver.
  std::string compute_driver = "fake.FakeDriver";
  /// [DEFAULT] instances_path: instance disks (a libvirt storage pool),
  /// console logs and the image cache (image_cache.subdirectory_name).
  std::string instances_path = "var/instances";
  image_cache_options image_cache;
  libvirt_options libvirt;
  /// [DEFAULT] graceful_shutdown_timeout, seconds: how long SIGTERM waits
  /// for in-flight builds.
  int64_t graceful_shutdown_timeout_s = 60;
  /// [DEFAULT] shutdown_timeout, seconds: how long a stop waits for the
  /// guest's clean shutdown before destroying it.
  int64_t shutdown_timeout_s = 60;
  /// [database] connection: sqlite:///relative.db, sqlite:////abs.db, or
  /// empty for no persistence (everything in memory; tests and baselines).
  std::string database_connection = "sqlite:///var/vmforge.db";
  api_endpoint_options api;
  metrics_options metrics;
  logging_options logging;
  cluster_options cluster;
  /// [DEFAULT] host: the compute host a `--role compute` process serves.
  std::string host;
  /// [DEFAULT] max_concurrent_builds.
  int32_t max_concurrent_builds = 10;
  /// [DEFAULT] instance_build_timeout, seconds. Nova's default is 0 (off);
  /// ours is on: a build stuck forever is worse than an error.
  int64_t instance_build_timeout_s = 600;
  /// How often the conductor looks for timed-out builds, milliseconds.
  int64_t build_timeout_check_ms = 1000;
  /// [DEFAULT] report_interval, seconds.
  int64_t report_interval_s = 10;
  /// [DEFAULT] shelved_offload_time, seconds: how long a shelved instance
  /// stays on its host. 0 (Nova's default): offloaded at once; -1: never;
  /// more: by the periodic task below once that old.
  int64_t shelved_offload_time_s = 0;
  /// [DEFAULT] shelved_poll_interval, seconds: how often a compute host
  /// looks for shelved instances to offload (<= 0: never).
  int64_t shelved_poll_interval_s = 3600;
  /// [DEFAULT] deleted_retention, hours, and deleted_retention_count: how
  /// long and how many deleted instances are kept (for admins' lists,
  /// usage and their actions) before they are dropped for good, whichever
  /// ends first (Nova keeps them until archive_deleted_rows).
  int64_t deleted_retention_hours = 720;
  int64_t deleted_retention_count = 10000;
  /// [DEFAULT] multi_instance_display_name_template.
  std::string multi_instance_display_name_template = "%(name)s-%(count)d";
  scheduler_options scheduler;
  quota_limits quota;
  /// [quota] metadata_items.
  int64_t quota_metadata_items = 128;
  std::vector<host_config> hosts;
  std::vector<flavor> flavors;
  std::vector<image> images;
  /// [network:NAME] sections (docs/networking.md); without any, the
  /// embedded `private` network. [network] enabled = false: none.
  std::vector<network> networks;
  bool networks_enabled = true;
  /// [DEFAULT] force_config_drive: every instance gets a config drive.
  bool force_config_drive = false;
  glance_options glance;
  fake_driver_options fake_driver;
};

/// Nova's classic flavors m1.tiny .. m1.xlarge (ids 1-5).
std::vector<flavor> default_flavors();
/// Two small images, the catalog `make run` starts with.
std::vector<image> default_images();
/// The embedded network `private`, 10.42.0.0/16 (libvirt's own default
/// network is 192.168.122.0/24): a /16, because the load tests and benches
/// build thousands of instances on the embedded configuration.
std::vector<network> default_networks();
/// Fills what a [network:NAME] section left out: the id (a name-based uuid,
/// stable across restarts), the gateway (the subnet's first address), the
/// DNS servers (the gateway) and the bridge (vmf-NAME, cut to Linux's 15
/// characters). Answers the problem with the section, empty if none.
std::string complete_network(network& net);
/// The embedded defaults: the classic flavors, one image, `count` fake
/// hosts named compute-1 .. compute-N in availability zone "nova", the
/// network `private`.
options default_options(int host_count = 2);

/// The file a `[database] connection` URL names, as SQLAlchemy reads it:
/// sqlite:///relative/path.db or sqlite:////absolute/path.db; nothing for
/// any other URL.
std::optional<std::string> sqlite_file(const std::string& url);

/// Nova's multi_instance_display_name_template applied to one instance.
std::string multi_instance_name(const std::string& tmpl, const std::string& name,
                                int64_t count, const std::string& uuid);

} // namespace vmforge
