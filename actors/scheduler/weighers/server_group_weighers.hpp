#pragma once

#include "actors/scheduler/weighers/weighers.hpp"

// Nova's affinity weighers (nova/scheduler/weights/affinity.py): the soft
// server group policies, as raw weights the scheduler normalises.
namespace vmforge {

/// A soft-affinity group's members on the host (more is better).
double server_group_soft_affinity_weigher(const host_state& host,
                                          const request_spec& spec);

/// Minus a soft-anti-affinity group's members on the host (fewer is
/// better).
double server_group_soft_anti_affinity_weigher(const host_state& host,
                                               const request_spec& spec);

} // namespace vmforge
