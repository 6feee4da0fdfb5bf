#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/driver_call.hpp"
#include "messages/guest.hpp"
#include "messages/instance.hpp"
#include "messages/server_group.hpp"

// What every service of the pipeline knows of one build and one power
// action: made by the API, carried by the conductor, run by a compute host.
namespace vmforge {

/// API handler -> conductor: one accepted instance to build. It carries
/// the image record the API checked (Nova's request spec carries the image
/// meta) and the caller's token for the compute host's download; a build
/// resumed after a restart has neither (`image_.id` empty): its host asks
/// the image service for `image_id` with its own credentials.
struct build_request {
  std::string instance_id;
  /// instances.id: the hypervisor names the instance after it.
  int64_t db_id = 0;
  std::string instance_name;
  std::string project_id;
  flavor flavor_;
  std::string image_id;
  image image_;
  image_auth auth;
  std::string availability_zone;
  /// The create request's id: build events are recorded under it.
  std::string request_id;
  /// Hosts already tried (a build resumed after a restart): they count as
  /// failed attempts and are not tried again.
  std::vector<std::string> tried_hosts;
  /// The unshelve of a SHELVED_OFFLOADED instance (Nova's conductor
  /// unshelve_instance): scheduled like a build, without alternates or
  /// retries, spawned from its snapshot (`image_id` and `image_` are the
  /// snapshot's; the row keeps its own image_id). A failure leaves it
  /// SHELVED_OFFLOADED, never in ERROR.
  bool unshelve = false;
  /// What the guest gets at boot, and the networks it asked for (the
  /// host allocates them at `networking`).
  guest_data guest;
  network_request requested_networks;
  std::map<std::string, std::vector<std::string>> scheduler_hints;
  /// The server group it joined at create (the group hint), if any.
  instance_group_spec group;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_request& x) {
  return f(caf::meta::type_name("build_request"), x.instance_id,
           x.db_id, x.instance_name, x.project_id, x.flavor_, x.image_id,
           x.image_, x.auth, x.availability_zone, x.request_id, x.tried_hosts,
           x.unshelve, x.guest, x.requested_networks, x.scheduler_hints,
           x.group);
}

/// The build of an instance row, under its create request's id.
inline build_request build_of(const instance& row, std::string request_id) {
  build_request b;
  b.instance_id = row.id;
  b.db_id = row.db_id;
  b.instance_name = row.name;
  b.project_id = row.project_id;
  b.flavor_ = row.flavor_;
  b.image_id = row.image_id;
  b.availability_zone = row.availability_zone;
  b.request_id = std::move(request_id);
  b.guest = {row.key_name, row.key_data, row.user_data, row.metadata,
             row.config_drive};
  b.requested_networks = row.requested_networks;
  b.scheduler_hints = row.scheduler_hints;
  return b;
}

/// Why a build resumed after a restart failed on the host it was on.
inline std::string interrupted_build(const std::string& id,
                                     const std::string& host) {
  return "Build of instance " + id + " was interrupted on " + host
         + " by a restart of vmforged.";
}

/// API handler -> conductor -> compute manager of `host`: run a power
/// action on an instance whose task_state is already set.
struct instance_action {
  std::string instance_id;
  std::string host;
  driver_call call = driver_call::power_off;
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_action& x) {
  return f(caf::meta::type_name("instance_action"), x.instance_id, x.host,
           x.call, x.request_id);
}

/// The operations of createImage and shelve that a host runs (Nova's
/// compute rpcapi snapshot_instance, shelve_instance,
/// shelve_offload_instance and, for a SHELVED instance, the conductor's
/// start_instance at unshelve).
enum class instance_op : uint8_t {
  /// Flatten the disk, upload it as image `image_id` (queued).
  snapshot,
  /// Power off, snapshot into `image_id`, SHELVED; offloaded at once when
  /// shelved_offload_time is 0.
  shelve,
  /// Destroy the guest of a SHELVED instance and free the host's claim.
  shelve_offload,
  /// Power a SHELVED instance on again where it is; its snapshot
  /// (`image_id`) is deleted.
  unshelve,
};

inline const char* to_string(instance_op x) {
  static constexpr const char* names[] = {"snapshot", "shelve",
                                          "shelve_offload", "unshelve"};
  return enum_name<instance_op::unshelve>(names, x);
}

/// createBackup's rotation (Nova's _rotate_backups): once the snapshot is
/// uploaded, the instance's backups of `type` beyond the newest `keep` are
/// deleted (0: all, the new one too). keep < 0: not a backup.
struct backup_rotation {
  std::string type{};
  int64_t keep = -1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, backup_rotation& x) {
  return f(caf::meta::type_name("backup_rotation"), x.type, x.keep);
}

/// API handler -> conductor -> compute manager of `host`: an instance_op
/// on an instance whose task state the API already set.
struct instance_operation {
  std::string instance_id;
  std::string host;
  instance_op op = instance_op::snapshot;
  /// The image made for the snapshot (snapshot, shelve) or the shelved
  /// snapshot to delete (unshelve).
  std::string image_id;
  /// The instance's project (the snapshot's owner_id) and image, recorded
  /// as the shelved instance's image_base_image_ref.
  std::string project_id;
  std::string base_image_ref;
  /// On whose behalf the image service is called.
  image_auth auth;
  std::string request_id;
  /// snapshot: a createBackup's rotation.
  backup_rotation backup{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_operation& x) {
  return f(caf::meta::type_name("instance_operation"), x.instance_id, x.host,
           x.op, x.image_id, x.project_id, x.base_image_ref, x.auth,
           x.request_id, x.backup);
}

} // namespace vmforge
