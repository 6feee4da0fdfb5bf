#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// Server groups (Nova's InstanceGroup, os-server-groups): a policy over
// where their members may run, and what the scheduler and the compute host
// are told of it.
namespace vmforge {

/// os-server-groups. `policy` is one of affinity, anti-affinity,
/// soft-affinity, soft-anti-affinity; `max_server_per_host` is 2.64's
/// only rule (0: not set, which Nova's filter reads as 1).
struct server_group {
  std::string id;
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string policy;
  int64_t max_server_per_host = 0;
  /// Instance uuids, in the order they joined.
  std::vector<std::string> members;
  int64_t created_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_group& x) {
  return f(caf::meta::type_name("server_group"), x.id, x.name, x.project_id,
           x.user_id, x.policy, x.max_server_per_host, x.members,
           x.created_us);
}

struct server_group_list {
  std::vector<server_group> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_group_list& x) {
  return f(caf::meta::type_name("server_group_list"), x.items);
}

/// What a build carries of its group (Nova's RequestSpec.instance_group):
/// set by the API at create, read by the scheduler's group filters and
/// weighers and by the host's late check. `id` empty: no group.
struct instance_group_spec {
  std::string id;
  std::string policy;
  int64_t max_server_per_host = 0;
  /// The members the API knew at create, this instance included.
  std::vector<std::string> members;
  /// Members per host, other than the instance being placed: filled by
  /// the scheduler from its claims just before it filters.
  std::map<std::string, int32_t> hosts;

  bool empty() const {
    return id.empty();
  }
  /// Nova's rules.get('max_server_per_host', 1).
  int64_t per_host_limit() const {
    return max_server_per_host > 0 ? max_server_per_host : 1;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_group_spec& x) {
  return f(caf::meta::type_name("instance_group_spec"), x.id, x.policy,
           x.max_server_per_host, x.members, x.hosts);
}

/// What the builds of `g`'s members carry of it.
inline instance_group_spec group_spec_of(const server_group& g) {
  return instance_group_spec{g.id, g.policy, g.max_server_per_host, g.members,
                             {}};
}

} // namespace vmforge
