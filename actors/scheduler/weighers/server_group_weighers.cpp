#include "actors/scheduler/weighers/server_group_weighers.hpp"

#include "actors/scheduler/filters/server_group_filters.hpp"

namespace vmforge {

namespace {

// Nova's _SoftAffinityWeigherBase: the group's members on the host when
// the group has the weigher's policy, else 0.
double members_on(const host_state& host, const request_spec& spec,
                  const char* policy) {
  auto& g = spec.instance_group;
  return g.policy == policy ? group_members_on(host, g) : 0.0;
}

} // namespace

double server_group_soft_affinity_weigher(const host_state& host,
                                          const request_spec& spec) {
  return members_on(host, spec, "soft-affinity");
}

double server_group_soft_anti_affinity_weigher(const host_state& host,
                                               const request_spec& spec) {
  return -members_on(host, spec, "soft-anti-affinity");
}

} // namespace vmforge
