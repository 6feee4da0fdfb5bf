#pragma once

#include <cstdint>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/compute/compute_actor.hpp"
#include "messages/build_request.hpp"
#include "messages/deadline_tick.hpp"
#include "messages/host_report.hpp"

// The conductor's protocol (Nova's conductor rpcapi): builds and deletes
// from the API, results from the compute hosts, and their stats.
namespace vmforge {

/// Compute manager -> conductor.
struct build_result {
  std::string instance_id;
  std::string host;
  uint32_t attempt = 0;
  bool ok = false;
  bool retryable = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_result& x) {
  return f(caf::meta::type_name("build_result"), x.instance_id, x.host,
           x.attempt, x.ok, x.retryable, x.reason);
}

/// API handler -> conductor: the user deleted the instance. `host` is the
/// host the store had for it (empty when it never reached one).
struct delete_request {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_request& x) {
  return f(caf::meta::type_name("delete_request"), x.instance_id, x.host);
}

/// Compute manager -> conductor: nothing of the instance is left on the host.
struct instance_terminated {
  std::string instance_id;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_terminated& x) {
  return f(caf::meta::type_name("instance_terminated"), x.instance_id,
           x.host);
}

/// Periodic self-message of the conductor: enforce instance_build_timeout.
struct timeout_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timeout_tick&) {
  return f(caf::meta::type_name("timeout_tick"));
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

/// Supervisor -> conductor: the compute manager now serving `host` (after a
/// restart, the builds the old one held are handed back).
struct compute_online {
  std::string host;
  compute_actor handle;
  bool restarted = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, compute_online& x) {
  return f(caf::meta::type_name("compute_online"), x.host, x.handle,
           x.restarted, x.reason);
}

using conductor_actor = caf::typed_actor<
  caf::reacts_to<build_request>, caf::reacts_to<build_result>,
  caf::reacts_to<delete_request>, caf::reacts_to<instance_terminated>,
  caf::reacts_to<compute_online>, caf::reacts_to<compute_offline>,
  caf::reacts_to<timeout_tick>,
  caf::reacts_to<deadline_tick>,
  caf::reacts_to<instance_action>, caf::reacts_to<instance_operation>,
  caf::replies_to<get_conductor_stats>::with<conductor_stats>,
  caf::replies_to<get_console_output>::with<console_text>>;

} // namespace vmforge
