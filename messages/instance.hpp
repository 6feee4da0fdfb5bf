#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/image.hpp"
#include "messages/network.hpp"

// The domain records the pipeline moves around: flavors, images, resources
// and the instance row with Nova's vm_state / task_state / power_state.
namespace vmforge {

struct resources {
  int64_t vcpus = 0;
  int64_t ram_mb = 0;
  int64_t disk_gb = 0;

  resources& operator+=(const resources& x) {
    vcpus += x.vcpus;
    ram_mb += x.ram_mb;
    disk_gb += x.disk_gb;
    return *this;
  }
  resources& operator-=(const resources& x) {
    vcpus -= x.vcpus;
    ram_mb -= x.ram_mb;
    disk_gb -= x.disk_gb;
    return *this;
  }
  friend bool operator==(const resources& x, const resources& y) {
    return x.vcpus == y.vcpus && x.ram_mb == y.ram_mb && x.disk_gb == y.disk_gb;
  }
  friend bool operator!=(const resources& x, const resources& y) {
    return !(x == y);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resources& x) {
  return f(caf::meta::type_name("resources"), x.vcpus, x.ram_mb, x.disk_gb);
}

/// Overcommit factors (Nova's *_allocation_ratio).
struct allocation_ratios {
  double cpu = 16.0;
  double ram = 1.5;
  double disk = 1.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, allocation_ratios& x) {
  return f(caf::meta::type_name("allocation_ratios"), x.cpu, x.ram, x.disk);
}

struct flavor {
  std::string id;
  std::string name;
  int64_t vcpus = 1;
  int64_t ram_mb = 512;
  int64_t disk_gb = 1;
  int64_t ephemeral_gb = 0;
  int64_t swap_mb = 0;
  bool is_public = true;
  /// Shown from microversion 2.55; null until set.
  bool has_description = false;
  std::string description;
  /// Nova's flavor extra specs: what the scheduler's aggregate filters and
  /// the drivers read (hw:*, aggregate_instance_extra_specs:*, ...).
  std::map<std::string, std::string> extra_specs;

  /// What an instance of this flavor claims on a host (root + ephemeral
  /// disk, as Nova's resource tracker counts it).
  resources claim() const {
    return {vcpus, ram_mb, disk_gb + ephemeral_gb};
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flavor& x) {
  return f(caf::meta::type_name("flavor"), x.id, x.name, x.vcpus, x.ram_mb,
           x.disk_gb, x.ephemeral_gb, x.swap_mb, x.is_public,
           x.has_description, x.description, x.extra_specs);
}

enum class vm_state : uint8_t {
  building,
  active,
  stopped,
  paused,
  suspended,
  error,
  deleted,
  /// Only with reclaim_instance_interval > 0 (deferred delete), which
  /// vmforge does not offer: no instance reaches it, restore answers 409.
  soft_deleted,
  /// Shelved: snapshotted and powered off, still on its host (until
  /// shelved_offload_time) with its resources claimed.
  shelved,
  /// Shelved and gone from every host (no host, no claim); unshelve
  /// schedules it again from its snapshot.
  shelved_offloaded,
  /// Booted in rescue mode (the rescue action) until unrescue.
  rescued,
};

/// Every vm_state, in the enum's order (the metrics count instances by it).
inline constexpr vm_state all_vm_states[] = {
  vm_state::building, vm_state::active,       vm_state::stopped,
  vm_state::paused,   vm_state::suspended,    vm_state::error,
  vm_state::deleted,  vm_state::soft_deleted, vm_state::shelved,
  vm_state::shelved_offloaded, vm_state::rescued};

enum class task_state : uint8_t {
  none,
  scheduling,
  networking,
  block_device_mapping,
  spawning,
  deleting,
  powering_off,
  powering_on,
  rebooting,
  rebooting_hard,
  pausing,
  unpausing,
  suspending,
  resuming,
  // createImage (Nova's order: the API, then the host, then the driver).
  image_snapshot_pending,
  image_snapshot,
  image_pending_upload,
  image_uploading,
  // shelve, shelveOffload, unshelve (an unshelve's spawn is `spawning`).
  shelving,
  shelving_image_pending_upload,
  shelving_image_uploading,
  shelving_offloading,
  unshelving,
  rescuing,
  unrescuing,
};

/// Nova's integer power states (nova/objects/fields.py).
enum class power_state : uint8_t {
  nostate = 0,
  running = 1,
  paused = 3,
  shutdown = 4,
  crashed = 6,
  suspended = 7,
};

const char* to_string(vm_state x);
const char* to_string(task_state x);

/// A set of enum values (task or vm states), for Nova's
/// `expected_task_state` guards and `check_instance_state` rules.
template <class Enum>
class enum_set {
public:
  constexpr enum_set() = default;
  constexpr enum_set(std::initializer_list<Enum> xs) {
    for (auto x : xs)
      bits_ |= bit(x);
  }
  static constexpr enum_set any() {
    enum_set s;
    s.bits_ = ~uint32_t{0};
    return s;
  }
  constexpr enum_set with(Enum x) const {
    enum_set s = *this;
    s.bits_ |= bit(x);
    return s;
  }
  constexpr enum_set without(Enum x) const {
    enum_set s = *this;
    s.bits_ &= ~bit(x);
    return s;
  }
  constexpr bool contains(Enum x) const {
    return (bits_ & bit(x)) != 0;
  }
  uint32_t& bits() {
    return bits_;
  }

private:
  static constexpr uint32_t bit(Enum x) {
    return uint32_t{1} << static_cast<uint32_t>(x);
  }
  uint32_t bits_ = 0;
};

template <class Inspector, class Enum>
typename Inspector::result_type inspect(Inspector& f, enum_set<Enum>& x) {
  return f(caf::meta::type_name("enum_set"), x.bits());
}

using task_set = enum_set<task_state>;
using vm_set = enum_set<vm_state>;

/// Every task state but `deleting`: a delete in progress wins.
constexpr task_set not_deleting() {
  return task_set::any().without(task_state::deleting);
}

struct fault {
  int32_t code = 500;
  std::string message;
  std::string details;
  int64_t created_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fault& x) {
  return f(caf::meta::type_name("fault"), x.code, x.message, x.details,
           x.created_us);
}

/// One instance row. Times are microseconds since the Unix epoch.
struct instance {
  std::string id;
  /// Nova's integer instances.id: the database's key for the row, and what
  /// instance_name ("instance-%08x") is made of. Assigned at create.
  int64_t db_id = 0;
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string reservation_id;
  flavor flavor_;
  std::string image_id;
  std::string availability_zone;
  std::map<std::string, std::string> metadata;
  std::string access_ipv4;
  std::string access_ipv6;
  /// OS-DCF:diskConfig, "MANUAL" or "AUTO".
  std::string disk_config = "MANUAL";
  std::string key_name;
  std::vector<std::string> security_groups;
  /// Shown from microversion 2.19; null until set.
  bool has_description = false;
  std::string description;
  /// A locked instance refuses actions and delete from non-admins.
  bool locked = false;
  vm_state vm = vm_state::building;
  task_state task = task_state::scheduling;
  power_state power = power_state::nostate;
  std::string host;
  bool has_fault = false;
  fault fault_;
  int64_t created_us = 0;
  int64_t updated_us = 0;
  int64_t launched_us = 0;
  /// Nova's terminated_at (and deleted_at): set when the instance is
  /// deleted; a row with it is kept for admins and usage until its
  /// retention ends (docs/operations.md).
  int64_t terminated_us = 0;
  /// Nova's instance_system_metadata, as far as vmforge keeps it: what a
  /// shelved instance needs (shelved_at, shelved_image_id, shelved_host,
  /// image_base_image_ref). Never shown to users.
  std::map<std::string, std::string> system_metadata;
  /// What the guest is given at boot (Nova's instances.user_data, base64 as
  /// the API took it, and key_data, the keypair's public key at create).
  std::string user_data;
  std::string key_data;
  /// Nova's instances.config_drive: asked for, or forced by
  /// [DEFAULT] force_config_drive.
  bool config_drive = false;
  /// The create's `networks`, kept for a build resumed after a restart.
  network_request requested_networks;
  /// Nova's network info cache: the interfaces allocated at `networking`,
  /// empty before and after (a delete frees them).
  std::vector<vif> vifs;
  /// The create's os:scheduler_hints (Nova keeps them in the request
  /// spec; shown from 2.100): every value a list, as Nova normalizes them.
  std::map<std::string, std::vector<std::string>> scheduler_hints;
  /// Why it was locked (2.73); empty is null (Nova's reason has 1-255
  /// characters), and an unlock clears it.
  std::string locked_reason;
  /// Nova's instances.hostname: the create's `hostname` (2.90) or the
  /// sanitized name (nova.utils.sanitize_hostname).
  std::string hostname;
  /// Nova's instance tags (2.26), sorted and unique as its tags table.
  std::vector<std::string> tags;
  /// The zone the create asked for (2.96 pinned_availability_zone); empty
  /// is null: the server may move to any zone.
  std::string pinned_availability_zone;
  /// The create's trusted_image_certificates (2.63), kept and shown: no
  /// image service here verifies signatures, as Nova without
  /// [glance] verify_glance_signatures.
  std::vector<std::string> trusted_certs;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance& x) {
  return f(caf::meta::type_name("instance"), x.id, x.db_id, x.name, x.project_id,
           x.user_id, x.reservation_id, x.flavor_, x.image_id,
           x.availability_zone, x.metadata, x.access_ipv4, x.access_ipv6,
           x.disk_config, x.key_name, x.security_groups, x.has_description,
           x.description, x.locked, x.vm, x.task, x.power, x.host,
           x.has_fault, x.fault_, x.created_us, x.updated_us, x.launched_us,
           x.terminated_us, x.system_metadata, x.user_data, x.key_data,
           x.config_drive, x.requested_networks, x.vifs, x.scheduler_hints,
           x.locked_reason, x.hostname, x.tags, x.pinned_availability_zone,
           x.trusted_certs);
}

struct instance_list {
  std::vector<instance> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_list& x) {
  return f(caf::meta::type_name("instance_list"), x.items);
}

/// The system metadata keys of a shelved instance (Nova's
/// remove_shelved_keys_from_system_metadata removes them at unshelve).
inline constexpr const char* shelved_keys[] = {"shelved_at", "shelved_image_id",
                                               "shelved_host"};

/// Nova's instance_name_template "instance-%08x" applied to instances.id:
/// the hypervisor's name for the instance.
std::string instance_name(int64_t db_id);

/// Microseconds since the Unix epoch, for row timestamps.
int64_t now_us();

} // namespace vmforge
