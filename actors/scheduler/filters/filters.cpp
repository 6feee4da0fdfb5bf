#include "actors/scheduler/filters/filters.hpp"

#include "actors/scheduler/filters/server_group_filters.hpp"
#include "actors/scheduler/filters/aggregate_filters.hpp"
#include "messages/errors.hpp"

namespace vmforge {

bool compute_filter(const host_state& host, const request_spec&,
                    const filter_context& ctx) {
  return host.enabled && !host.admin_disabled && host.hypervisor_down.empty()
         && host.offline.empty() && !host.forced_down
         && ctx.now - host.last_seen <= ctx.service_down_time;
}

bool availability_zone_filter(const host_state& host, const request_spec& spec,
                              const filter_context&) {
  return spec.availability_zone.empty()
         || spec.availability_zone == host.availability_zone;
}

bool ram_filter(const host_state& host, const request_spec& spec,
                const filter_context&) {
  return host.usable_ram_mb() >= static_cast<double>(spec.need.ram_mb);
}

bool core_filter(const host_state& host, const request_spec& spec,
                 const filter_context&) {
  return spec.need.vcpus <= host.capacity.vcpus
         && host.usable_vcpus() >= static_cast<double>(spec.need.vcpus);
}

bool disk_filter(const host_state& host, const request_spec& spec,
                 const filter_context&) {
  return host.usable_disk_gb() >= static_cast<double>(spec.need.disk_gb);
}

caf::expected<std::vector<host_filter>>
make_filters(const std::vector<std::string>& names) {
  static const host_filter known[] = {
    {"ComputeFilter", compute_filter},
    {"AvailabilityZoneFilter", availability_zone_filter},
    {"RamFilter", ram_filter},
    {"CoreFilter", core_filter},
    {"DiskFilter", disk_filter},
    {"ServerGroupAffinityFilter", server_group_affinity_filter},
    {"ServerGroupAntiAffinityFilter", server_group_anti_affinity_filter},
    // Not in the default list, as in Nova.
    {"AggregateInstanceExtraSpecsFilter",
     aggregate_instance_extra_specs_filter},
    {"AggregateMultiTenancyIsolation", aggregate_multitenancy_isolation},
    {"AggregateImagePropertiesIsolation",
     aggregate_image_properties_isolation},
  };
  std::vector<host_filter> out;
  for (auto& name : names) {
    auto found = false;
    for (auto& f : known) {
      if (name == f.name) {
        out.push_back(f);
        found = true;
      }
    }
    if (!found)
      return nova_error(errc::filter_not_found, name);
  }
  return out;
}

} // namespace vmforge
