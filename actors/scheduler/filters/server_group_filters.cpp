#include "actors/scheduler/filters/server_group_filters.hpp"

namespace vmforge {

int32_t group_members_on(const host_state& host, const instance_group_spec& g) {
  auto i = g.hosts.find(host.name);
  return i == g.hosts.end() ? 0 : i->second;
}

bool server_group_affinity_filter(const host_state& host,
                                  const request_spec& spec,
                                  const filter_context&) {
  auto& g = spec.instance_group;
  if (g.policy != "affinity" || g.hosts.empty())
    return true;
  return group_members_on(host, g) > 0;
}

bool server_group_anti_affinity_filter(const host_state& host,
                                       const request_spec& spec,
                                       const filter_context&) {
  auto& g = spec.instance_group;
  if (g.policy != "anti-affinity")
    return true;
  return group_members_on(host, g) < g.per_host_limit();
}

} // namespace vmforge
