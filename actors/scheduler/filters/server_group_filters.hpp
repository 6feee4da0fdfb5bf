#pragma once

#include "actors/scheduler/filters/filters.hpp"

// Nova's affinity filters (nova/scheduler/filters/affinity_filter.py): the
// hard server group policies. Both read the members' hosts the scheduler
// put into the request's instance_group.
namespace vmforge {

/// The group's other members on `host` (the filters' and the soft
/// weighers' count).
int32_t group_members_on(const host_state& host, const instance_group_spec& g);

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
