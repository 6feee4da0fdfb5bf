#include "messages/errors.hpp"

#include <caf/message.hpp>

namespace vmforge {

namespace {

struct entry {
  errc code;
  const char* name;
  const char* message;
};

// In the enum's order (checked below). Templates are Nova's, with {} for
// its %(...)s placeholders.
constexpr entry catalog[] = {
  {errc::invalid_input, "Invalid", "{}"},
  {errc::policy_not_authorized, "PolicyNotAuthorized",
   "Policy doesn't allow {} to be performed."},
  {errc::over_quota, "OverQuota",
   "Quota exceeded for {}: Requested {}, but already used {} of {} {}"},
  {errc::keypair_limit_exceeded, "KeypairLimitExceeded",
   "Quota exceeded, too many key pairs."},
  {errc::security_group_limit_exceeded, "SecurityGroupLimitExceeded",
   "Quota exceeded, too many security groups."},
  {errc::security_group_rule_limit_exceeded, "SecurityGroupLimitExceeded",
   "Quota exceeded, too many security group rules."},
  {errc::instance_not_found, "InstanceNotFound",
   "Instance {} could not be found."},
  {errc::instance_invalid_state, "InstanceInvalidState",
   "Cannot '{}' instance {} while it is in {} {}"},
  {errc::instance_is_locked, "InstanceIsLocked", "Instance {} is locked"},
  {errc::instance_not_ready, "InstanceNotReady", "Instance {} is not ready"},
  {errc::flavor_not_found, "FlavorNotFound", "Flavor {} could not be found."},
  {errc::flavor_id_exists, "FlavorIdExists",
   "Flavor with ID {} already exists."},
  {errc::flavor_exists, "FlavorExists", "Flavor with name {} already exists."},
  {errc::image_not_found, "ImageNotFound", "Image {} could not be found."},
  {errc::image_not_active, "ImageNotActive", "Image {} is not active."},
  {errc::image_not_authorized, "ImageNotAuthorized",
   "Not authorized for image {}."},
  {errc::image_bad_request, "ImageBadRequest",
   "Request of image {} got BadRequest response: {}"},
  {errc::image_unacceptable, "ImageUnacceptable",
   "Image {} is unacceptable: {}"},
  {errc::image_quota_exceeded, "ImageQuotaExceeded",
   "Quota exceeded or out of space for image {} in the image service."},
  {errc::image_delete_conflict, "ImageDeleteConflict",
   "Conflict deleting image. Reason: {}."},
  {errc::glance_connection_failed, "GlanceConnectionFailed",
   "Connection to glance host {} failed: {}"},
  {errc::invalid_image_config_drive, "InvalidImageConfigDrive",
   "Image's config drive option '{}' is invalid"},
  {errc::invalid_machine_type, "InvalidMachineType",
   "Machine type '{}' is not compatible with image {} ({}): {}"},
  {errc::auto_disk_config_disabled, "AutoDiskConfigDisabledByImage",
   "Requested image {} has automatic disk resize disabled."},
  {errc::flavor_memory_too_small, "FlavorMemoryTooSmall",
   "Flavor's memory is too small for requested image."},
  {errc::flavor_disk_smaller_than_image, "FlavorDiskSmallerThanImage",
   "Flavor's disk is too small for requested image. Flavor disk is {} "
   "bytes, image is {} bytes."},
  {errc::flavor_disk_smaller_than_min_disk, "FlavorDiskSmallerThanMinDisk",
   "Flavor's disk is smaller than the minimum size specified in image "
   "metadata. Flavor disk is {} bytes, minimum size is {} bytes."},
  {errc::zero_disk_flavor, "BootFromVolumeRequiredForZeroDiskFlavor",
   "Only volume-backed servers are allowed for flavors with zero disk."},
  {errc::keypair_not_found, "KeypairNotFound",
   "Keypair {} not found for user {}"},
  {errc::keypair_exists, "KeyPairExists", "Key pair '{}' already exists."},
  {errc::security_group_not_found, "SecurityGroupNotFound",
   "Security group {} not found."},
  {errc::security_group_exists, "SecurityGroupExists",
   "Security group {} already exists"},
  {errc::security_group_rule_not_found, "SecurityGroupRuleNotFound",
   "Rule ({}) not found"},
  {errc::metadata_item_not_found, "MetadataItemNotFound",
   "Metadata item was not found"},
  {errc::compute_host_not_found, "ComputeHostNotFound",
   "Compute host {} could not be found."},
  {errc::host_binary_not_found, "HostBinaryNotFound",
   "Could not find binary {} on host {}."},
  {errc::no_valid_host, "NoValidHost", "No valid host was found. {}"},
  {errc::claim_failed, "ClaimFailed", "Cannot claim host {}: {}"},
  {errc::filter_not_found, "SchedulerHostFilterNotFound",
   "Scheduler Host Filter {} could not be found."},
  {errc::incompatible_compute, "IncompatibleCompute",
   "Compute host {} speaks cluster protocol {}; this controller speaks {}."},
  {errc::compute_already_joined, "ComputeAlreadyJoined",
   "Compute host {} is joined by another process (incarnation {})."},
  // nova/api/openstack/common.py check_img_metadata_properties_quota.
  {errc::image_metadata_limit, "ImageMetadataLimitExceeded",
   "Image metadata limit exceeded"},
  {errc::unshelve_invalid_state, "UnshelveInstanceInvalidState",
   "Specifying an availability zone or a host when unshelving server \"{}\" "
   "with status \"{}\" is not supported. The server status must be "
   "SHELVED_OFFLOADED."},
  {errc::service_unavailable, "ServiceUnavailable", "{}"},
  {errc::network_not_found, "NetworkNotFound",
   "Network {} could not be found."},
  {errc::network_ambiguous, "NetworkAmbiguous",
   "More than one possible network found. Specify network ID(s) to select "
   "which one(s) to connect to."},
  {errc::port_not_found, "PortNotFound", "Port {} could not be found."},
  {errc::fixed_ip_already_in_use, "FixedIpAlreadyInUse",
   "Fixed IP address {} is already in use on instance {}."},
  {errc::fixed_ip_invalid, "FixedIpInvalid", "Fixed IP address {} is invalid."},
  {errc::no_more_fixed_ips, "NoMoreFixedIps",
   "No fixed IP addresses available for network: {}"},
  {errc::instance_tag_not_found, "InstanceTagNotFound",
   "Instance {} has no tag '{}'"},
  {errc::instance_group_not_found, "InstanceGroupNotFound",
   "Instance group {} could not be found."},
  {errc::server_group_limit_exceeded, "ServerGroupLimitExceeded",
   "Quota exceeded, too many server groups."},
  {errc::group_member_limit_exceeded, "GroupMemberLimitExceeded",
   "Quota exceeded, too many servers in group"},
  {errc::aggregate_not_found, "AggregateNotFound",
   "Aggregate {} could not be found."},
  {errc::aggregate_name_exists, "AggregateNameExists",
   "Aggregate {} already exists."},
  {errc::aggregate_host_exists, "AggregateHostExists",
   "Aggregate {} already has host {}."},
  {errc::aggregate_host_not_found, "AggregateHostNotFound",
   "Cannot remove host {} in aggregate {}"},
  {errc::invalid_aggregate_action_add, "InvalidAggregateActionAdd",
   "Cannot add host to aggregate {}. Reason: {}."},
  {errc::invalid_aggregate_action_delete, "InvalidAggregateActionDelete",
   "Cannot remove host from aggregate {}. Reason: {}."},
  {errc::invalid_aggregate_action_update, "InvalidAggregateActionUpdate",
   "Cannot update aggregate {}. Reason: {}."},
  {errc::invalid_aggregate_action_update_meta,
   "InvalidAggregateActionUpdateMeta",
   "Cannot update metadata of aggregate {}. Reason: {}."},
  {errc::flavor_extra_specs_not_found, "FlavorExtraSpecsNotFound",
   "Flavor {} has no extra specs with key {}."},
  {errc::flavor_access_exists, "FlavorAccessExists",
   "Flavor access already exists for flavor {} and project {} combination."},
  {errc::flavor_access_not_found, "FlavorAccessNotFound",
   "Flavor access not found for {} / {} combination."},
  {errc::flavor_access_public, "HTTPConflict",
   "Can not add access to a public flavor."},
  {errc::flavor_access_list_public, "HTTPNotFound",
   "Access list not available for public flavors."},
  {errc::server_security_group_not_found, "SecurityGroupNotFound", "{}"},
  {errc::internal, "NovaException", "{}"},
};

constexpr bool in_order() {
  for (size_t i = 0; i < std::size(catalog); ++i)
    if (static_cast<size_t>(catalog[i].code) != i + 1)
      return false;
  return true;
}
static_assert(in_order(), "the catalog lists every errc in the enum's order");
static_assert(std::size(catalog) == static_cast<size_t>(errc::internal));

const entry* find(errc x) {
  auto i = static_cast<size_t>(x);
  return i >= 1 && i <= std::size(catalog) ? &catalog[i - 1] : nullptr;
}

} // namespace

const char* to_string(errc x) {
  auto e = find(x);
  return e ? e->name : "unknown";
}

std::string nova_message(errc code, const std::vector<std::string>& args) {
  auto e = find(code);
  std::string tmpl = e ? e->message : "{}";
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{}") == 0) {
      if (next < args.size())
        out += args[next];
      ++next;
      ++i;
    } else {
      out += tmpl[i];
    }
  }
  return out;
}

std::string error_message(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

} // namespace vmforge
