#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/build.hpp"
#include "messages/instance.hpp"

// Timers, supervision notices and the read-only queries tests, the bench
// and (later) the metrics endpoint use to look inside the actors.
namespace vmforge {

/// Periodic self-message of the compute manager (Nova's report_interval).
struct heartbeat_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_tick&) {
  return f(caf::meta::type_name("heartbeat_tick"));
}

/// Periodic self-message of the conductor: enforce instance_build_timeout.
struct timeout_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timeout_tick&) {
  return f(caf::meta::type_name("timeout_tick"));
}

/// A supervisor restarted an actor (kind: "compute_manager", "driver_worker").
struct actor_restarted {
  std::string kind;
  std::string host;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_restarted& x) {
  return f(caf::meta::type_name("actor_restarted"), x.kind, x.host, x.reason);
}

/// Daemon -> API handler at shutdown: refuse new builds from now on (503).
struct refuse_builds {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refuse_builds&) {
  return f(caf::meta::type_name("refuse_builds"));
}

struct get_restarts {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_restarts&) {
  return f(caf::meta::type_name("get_restarts"));
}

struct restart_counts {
  std::map<std::string, int64_t> by_kind;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_counts& x) {
  return f(caf::meta::type_name("restart_counts"), x.by_kind);
}

/// The scheduler's view of one host.
struct host_view {
  std::string host;
  std::string availability_zone;
  resources capacity;
  resources used;
  allocation_ratios ratios;
  bool enabled = true;
  bool up = true;
  int64_t claims = 0;
  std::string disabled_reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_view& x) {
  return f(caf::meta::type_name("host_view"), x.host, x.availability_zone,
           x.capacity, x.used, x.ratios, x.enabled, x.up, x.claims,
           x.disabled_reason);
}

/// os-services disable/enable of a compute host.
struct set_host_status {
  std::string host;
  bool disabled = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_host_status& x) {
  return f(caf::meta::type_name("set_host_status"), x.host, x.disabled,
           x.reason);
}

struct get_host_views {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_host_views&) {
  return f(caf::meta::type_name("get_host_views"));
}

struct host_view_list {
  std::vector<host_view> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_view_list& x) {
  return f(caf::meta::type_name("host_view_list"), x.items);
}

/// A compute manager's own resource tracker and build slots.
struct get_host_usage {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_host_usage&) {
  return f(caf::meta::type_name("get_host_usage"));
}

struct host_usage {
  std::string host;
  resources capacity;
  resources used;
  int64_t instances = 0;
  int64_t running_builds = 0;
  int64_t queued_builds = 0;
  int64_t workers = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_usage& x) {
  return f(caf::meta::type_name("host_usage"), x.host, x.capacity, x.used,
           x.instances, x.running_builds, x.queued_builds, x.workers);
}

struct get_conductor_stats {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_conductor_stats&) {
  return f(caf::meta::type_name("get_conductor_stats"));
}

struct conductor_stats {
  int64_t in_flight = 0;
  int64_t builds_active = 0;
  int64_t builds_error = 0;
  int64_t builds_deleted = 0;
  int64_t reschedules = 0;
  int64_t no_valid_host = 0;
  int64_t build_timeouts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conductor_stats& x) {
  return f(caf::meta::type_name("conductor_stats"), x.in_flight,
           x.builds_active, x.builds_error, x.builds_deleted, x.reschedules,
           x.no_valid_host, x.build_timeouts);
}

/// Supervisor query: the current compute manager of a host.
struct get_compute {
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_compute& x) {
  return f(caf::meta::type_name("get_compute"), x.host);
}

} // namespace vmforge
