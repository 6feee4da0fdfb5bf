#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/scheduler/host_state.hpp"
#include "actors/scheduler/scheduler_actor.hpp"

// Scheduler filters (Nova's filter scheduler, Newton-era set): each says
// whether a host can take the requested instance.
namespace vmforge {

struct filter_context {
  steady_time now;
  std::chrono::seconds service_down_time{60};
  /// [filter_scheduler] aggregate_image_properties_isolation_namespace and
  /// _separator (AggregateImagePropertiesIsolation).
  const std::string* image_properties_namespace = nullptr;
  const std::string* image_properties_separator = nullptr;
};

using host_filter_fn = bool (*)(const host_state&, const request_spec&,
                                const filter_context&);

struct host_filter {
  const char* name;
  host_filter_fn passes;
};

/// Host enabled and its service up (not forced down, heartbeat within
/// service_down_time).
bool compute_filter(const host_state& host, const request_spec& spec,
                    const filter_context& ctx);
/// The requested availability zone, if any, is the host's.
bool availability_zone_filter(const host_state& host, const request_spec& spec,
                              const filter_context& ctx);
/// RAM left after ram_allocation_ratio covers the request.
bool ram_filter(const host_state& host, const request_spec& spec,
                const filter_context& ctx);
/// vCPUs left after cpu_allocation_ratio cover the request, and the
/// instance has no more vCPUs than the host has physical ones.
bool core_filter(const host_state& host, const request_spec& spec,
                 const filter_context& ctx);
/// Disk left after disk_allocation_ratio covers root + ephemeral.
bool disk_filter(const host_state& host, const request_spec& spec,
                 const filter_context& ctx);

/// Looks up filters by Nova name; an unknown name is an error that names it.
caf::expected<std::vector<host_filter>>
make_filters(const std::vector<std::string>& names);

} // namespace vmforge
