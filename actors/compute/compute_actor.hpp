#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/compute/image_cache_actor.hpp"
#include "drivers/driver.hpp"
#include "messages/build_request.hpp"
#include "messages/instance.hpp"

// The compute side's protocol (Nova's compute rpcapi): builds, terminations
// and power actions sent to a host's compute manager; the calls it hands its
// driver workers; its supervisor's queries.
namespace vmforge {

/// Conductor -> compute manager. `attempt` numbers the dispatches of one
/// build so that a late answer from an earlier attempt is recognised.
struct build_and_run {
  build_request req;
  std::string host;
  uint32_t attempt = 0;
  /// The host's zone as the scheduler has it (aggregates included): the
  /// instance's once it is on the host.
  std::string availability_zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_and_run& x) {
  return f(caf::meta::type_name("build_and_run"), x.req, x.host, x.attempt,
           x.availability_zone);
}

/// Conductor -> compute manager: cancel a build or destroy an instance.
struct terminate_instance {
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, terminate_instance& x) {
  return f(caf::meta::type_name("terminate_instance"), x.instance_id);
}

struct driver_op {
  driver_call call = driver_call::spawn;
  std::string instance_id;
  /// spawn only: what the driver makes.
  spawn_spec spec;
  /// snapshot only: the qcow2 file to write.
  std::string file;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, driver_op& x) {
  return f(caf::meta::type_name("driver_op"), x.call, x.instance_id, x.spec,
           x.file);
}

struct driver_reply {
  driver_call call = driver_call::spawn;
  std::string instance_id;
  bool ok = false;
  bool retryable = false;
  std::string reason;
  power_state power = power_state::nostate;
  /// console_output only: the log's tail the driver read.
  std::string output;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, driver_reply& x) {
  return f(caf::meta::type_name("driver_reply"), x.call, x.instance_id, x.ok,
           x.retryable, x.reason, x.power, x.output);
}

/// API -> conductor (which delegates it to the instance's host) -> compute
/// manager: os-getConsoleOutput, the last `length` lines of the guest's
/// console log (-1: all of what the driver reads; see console_tail.hpp).
struct get_console_output {
  std::string instance_id;
  std::string host;
  int64_t length = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_console_output& x) {
  return f(caf::meta::type_name("get_console_output"), x.instance_id, x.host,
           x.length);
}

struct console_text {
  std::string output;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_text& x) {
  return f(caf::meta::type_name("console_text"), x.output);
}

/// What an image worker does for its compute manager: the image service's
/// blocking calls of a snapshot, off the CAF scheduler's threads.
enum class image_job_kind : uint8_t {
  /// Sets the snapshot's formats and the driver's properties, then uploads
  /// `file` (deleted afterwards, whatever the outcome).
  upload,
  /// Deletes `image_id` (a failed snapshot's queued image, or the snapshot
  /// of an instance unshelved).
  remove,
};

struct image_job {
  image_job_kind kind = image_job_kind::upload;
  std::string instance_id;
  std::string image_id;
  image_auth auth;
  std::string file;
  std::map<std::string, std::string> properties;
  /// upload of a createBackup's snapshot: the rotation after it.
  backup_rotation backup{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_job& x) {
  return f(caf::meta::type_name("image_job"), x.kind, x.instance_id,
           x.image_id, x.auth, x.file, x.properties, x.backup);
}

/// Image worker -> compute manager: how a job ended.
struct image_job_done {
  image_job_kind kind = image_job_kind::upload;
  std::string instance_id;
  std::string image_id;
  bool ok = false;
  std::string reason;
  /// upload: bytes sent and the time the job took.
  int64_t bytes = 0;
  double seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_job_done& x) {
  return f(caf::meta::type_name("image_job_done"), x.kind, x.instance_id,
           x.image_id, x.ok, x.reason, x.bytes, x.seconds);
}

/// Periodic self-message of the compute manager: offload the shelved
/// instances older than shelved_offload_time (Nova's
/// _poll_shelved_instances, every shelved_poll_interval).
struct shelved_poll_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shelved_poll_tick&) {
  return f(caf::meta::type_name("shelved_poll_tick"));
}

/// Periodic self-message of the compute manager (Nova's report_interval).
struct heartbeat_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_tick&) {
  return f(caf::meta::type_name("heartbeat_tick"));
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

/// A supervisor restarted an actor (kind: "compute_manager",
/// "driver_worker", "image_cache").
struct actor_restarted {
  std::string kind;
  std::string host;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_restarted& x) {
  return f(caf::meta::type_name("actor_restarted"), x.kind, x.host, x.reason);
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

/// Supervisor query: the current compute manager of a host.
struct get_compute {
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_compute& x) {
  return f(caf::meta::type_name("get_compute"), x.host);
}

/// Runs blocking hypervisor calls on its own thread (spawned detached).
using driver_worker_actor = caf::typed_actor<caf::reacts_to<driver_op>>;

/// Runs one image_job on its own thread (spawned detached) and ends.
using image_worker_actor = caf::typed_actor<caf::reacts_to<image_job>>;

/// One per compute host: claims, build slots, driver workers.
using compute_actor = caf::typed_actor<
  caf::reacts_to<build_and_run>, caf::reacts_to<terminate_instance>,
  caf::reacts_to<instance_action>, caf::reacts_to<instance_operation>,
  caf::reacts_to<driver_reply>, caf::reacts_to<image_job_done>,
  caf::reacts_to<heartbeat_tick>, caf::reacts_to<shelved_poll_tick>,
  caf::reacts_to<image_cache_tick>,
  caf::reacts_to<hypervisor_event>,
  caf::replies_to<get_host_usage>::with<host_usage>,
  caf::replies_to<get_console_output>::with<console_text>>;

using supervisor_actor = caf::typed_actor<
  caf::reacts_to<actor_restarted>,
  caf::replies_to<get_restarts>::with<restart_counts>,
  caf::replies_to<get_compute>::with<compute_actor>>;

} // namespace vmforge
