#pragma once

#include "actors/scheduler/filters/filters.hpp"

// Nova's affinity filters (nova/scheduler/filters/affinity_filter.py): the
// hard server group policies. Both read the members' hosts the scheduler
// put into the request's instance_group.
namespace vmforge {

/// An affinity group's member goes where the others are (anywhere while
/// none is placed).
bool server_group_affinity_filter(const host_state& host,
                                  const request_spec& spec,
                                  const filter_context& ctx);

/// An anti-affinity group's member goes to a host holding fewer of the
/// others than the group's max_server_per_host (1 unless set).
bool server_group_anti_affinity_filter(const host_state& host,
                                       const request_spec& spec,
                                       const filter_context& ctx);

} // namespace vmforge
