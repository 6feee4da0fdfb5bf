#pragma once

#include <vector>

#include "actors/scheduler/host_state.hpp"
#include "actors/scheduler/scheduler_actor.hpp"

// Scheduler weighers (nova/scheduler/weights/): each turns a host into a raw
// number, which is normalised to [0, 1] over the candidate hosts and scaled
// by the weigher's multiplier; the host weight is the sum.
namespace vmforge {

using weigher_fn = double (*)(const host_state&, const request_spec&);

/// Free RAM (before the allocation ratio), as RAMWeigher.
double ram_weigher(const host_state& host, const request_spec& spec);
/// vCPUs left after the allocation ratio, as CPUWeigher.
double cpu_weigher(const host_state& host, const request_spec& spec);
/// Free disk (before the allocation ratio), as DiskWeigher.
double disk_weigher(const host_state& host, const request_spec& spec);

struct weigher {
  weigher_fn raw;
  double multiplier;
};

/// Nova's nova.weights.normalize: (x - min) / (max - min), all zero when
/// every value is the same.
void normalize(std::vector<double>& values);

/// Adds each weigher's normalised, multiplied value for the candidates
/// (indices into hosts) to weights (same order as candidates).
void weigh(const std::vector<host_state>& hosts, const request_spec& spec,
           const std::vector<size_t>& candidates,
           const std::vector<weigher>& weighers, std::vector<double>& weights);

} // namespace vmforge
