#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

// Nova's exception catalog (nova/exception.py), as far as vmforge raises it:
// one code per domain error, each with Nova's message template written once
// (errors.cpp). Services raise these; only the Compute API's HTTP layer
// (http/compute/call.cpp) maps them to a status and a body.
namespace vmforge {

enum class errc : uint8_t {
  invalid_input = 1,             // Invalid: a request Nova refuses, the reason
  policy_not_authorized,         // PolicyNotAuthorized
  over_quota,                    // OverQuota
  keypair_limit_exceeded,        // KeypairLimitExceeded
  security_group_limit_exceeded, // SecurityGroupLimitExceeded
  security_group_rule_limit_exceeded,
  instance_not_found,            // InstanceNotFound
  instance_invalid_state,        // InstanceInvalidState, as the API words it
  instance_is_locked,            // InstanceIsLocked
  instance_not_ready,            // InstanceNotReady
  flavor_not_found,              // FlavorNotFound
  flavor_id_exists,              // FlavorIdExists
  flavor_exists,                 // FlavorExists
  image_not_found,               // ImageNotFound
  image_not_active,              // ImageNotActive
  image_not_authorized,          // ImageNotAuthorized (Glance's 401/403)
  image_bad_request,             // ImageBadRequest (Glance's 400)
  image_unacceptable,            // ImageUnacceptable
  image_quota_exceeded,          // ImageQuotaExceeded (Glance's 413)
  image_delete_conflict,         // ImageDeleteConflict (Glance's 409)
  glance_connection_failed,      // GlanceConnectionFailed
  invalid_image_config_drive,    // InvalidImageConfigDrive
  invalid_machine_type,          // InvalidMachineType
  auto_disk_config_disabled,     // AutoDiskConfigDisabledByImage
  flavor_memory_too_small,       // FlavorMemoryTooSmall
  flavor_disk_smaller_than_image,    // FlavorDiskSmallerThanImage
  flavor_disk_smaller_than_min_disk, // FlavorDiskSmallerThanMinDisk
  zero_disk_flavor,              // BootFromVolumeRequiredForZeroDiskFlavor
  keypair_not_found,             // KeypairNotFound
  keypair_exists,                // KeyPairExists
  security_group_not_found,      // SecurityGroupNotFound
  security_group_exists,         // SecurityGroupExists
  security_group_rule_not_found, // SecurityGroupRuleNotFound
  metadata_item_not_found,       // MetadataItemNotFound (the API's words)
  compute_host_not_found,        // ComputeHostNotFound
  host_binary_not_found,         // HostBinaryNotFound (os-services updates)
  no_valid_host,                 // NoValidHost
  claim_failed,                  // an alternate that no longer fits
  filter_not_found,              // SchedulerHostFilterNotFound
  incompatible_compute,          // a compute of another cluster protocol
  compute_already_joined,        // the host is joined by another process
  image_metadata_limit,          // createImage before 2.39: the API's 403
  unshelve_invalid_state,        // UnshelveInstanceInvalidState
  service_unavailable,           // ServiceUnavailable
  network_not_found,             // NetworkNotFound
  network_ambiguous,             // NetworkAmbiguous
  port_not_found,                // PortNotFound (no ports without Neutron)
  fixed_ip_already_in_use,       // FixedIpAlreadyInUse
  fixed_ip_invalid,              // FixedIpInvalid (not in the subnet)
  no_more_fixed_ips,             // NoMoreFixedIps (aborts a build)
  instance_tag_not_found,        // InstanceTagNotFound
  instance_group_not_found,      // InstanceGroupNotFound
  server_group_limit_exceeded,   // ServerGroupLimitExceeded
  group_member_limit_exceeded,   // GroupMemberLimitExceeded
  aggregate_not_found,           // AggregateNotFound
  aggregate_name_exists,         // AggregateNameExists
  aggregate_host_exists,         // AggregateHostExists
  aggregate_host_not_found,      // remove_host's words for AggregateHostNotFound
  invalid_aggregate_action_add,  // InvalidAggregateActionAdd (add_host's 409)
  invalid_aggregate_action_delete,      // InvalidAggregateActionDelete
  invalid_aggregate_action_update,      // InvalidAggregateActionUpdate
  invalid_aggregate_action_update_meta, // InvalidAggregateActionUpdateMeta
  flavor_extra_specs_not_found,  // FlavorExtraSpecsNotFound
  flavor_access_exists,          // FlavorAccessExists
  flavor_access_not_found,       // FlavorAccessNotFound
  flavor_access_public,          // flavor_access.py's 409 for a public flavor
  flavor_access_list_public,     // flavor_access.py's 404 for a public flavor
  server_security_group_not_found, // SecurityGroupNotFound, Neutron's words
  internal,                      // NovaException: "An unknown exception..."
};

/// The code's name, as in Nova's catalog ("InstanceNotFound").
const char* to_string(errc x);

/// Nova's message for `code` with its placeholders ({}) filled in order.
std::string nova_message(errc code, const std::vector<std::string>& args);

namespace detail {

inline std::string as_text(std::string x) {
  return x;
}
inline std::string as_text(const char* x) {
  return x;
}
template <class T,
          class = std::enable_if_t<std::is_arithmetic<T>::value>>
std::string as_text(T x) {
  return std::to_string(x);
}

} // namespace detail

/// The error `code` carrying Nova's message made of `args`.
template <class... Ts>
caf::error nova_error(errc code, Ts&&... args) {
  return caf::make_error(
    code, nova_message(code, {detail::as_text(std::forward<Ts>(args))...}));
}

/// The text carried in an error's context (the Nova message), or the
/// rendered error if it carries none.
std::string error_message(const caf::error& err);

} // namespace vmforge

CAF_ERROR_CODE_ENUM(vmforge::errc, "vmforge")
