#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/context.hpp"
#include "messages/server_group.hpp"

namespace vmforge {

/// Server groups (Nova's InstanceGroup objects and the rules of
/// os-server-groups), by uuid, with their members.
class server_groups {
public:
  /// Takes the groups a database held.
  void restore(const std::vector<server_group>& stored);

  /// Records `g` as a new group of the caller's project if the project has
  /// fewer than `limit` groups (below 0: unlimited) and its rules suit its
  /// policy (Nova: only anti-affinity has rules); assigns its uuid.
  caf::expected<server_group> create(const request_context& ctx,
                                     server_group g, int64_t limit);

  /// The caller's project's groups, or every project's (`all`: an admin's
  /// all_projects), oldest first, `offset` skipped and at most `limit`
  /// (below 0: all), as Nova's common.limited.
  server_group_list list(const request_context& ctx, bool all, int64_t offset,
                         int64_t limit) const;

  /// A group the caller may see: 404 if unknown, 403 for another project's
  /// (Nova's policy on the group's project), named by `rule`.
  caf::expected<server_group> show(const request_context& ctx,
                                   const std::string& id,
                                   const std::string& rule) const;

  /// Drops a group the caller may see (as show); its members keep running.
  caf::expected<server_group> remove(const request_context& ctx,
                                     const std::string& id);

  /// Any group by uuid (a create's group hint names one of any project).
  const server_group* find(const std::string& id) const;

  /// Whether `adding` more members fit the group's `limit` (Nova's
  /// server_group_members quota, below 0: unlimited).
  caf::error check_members(const std::string& id, int64_t adding,
                           int64_t limit) const;

  /// Adds instances to a known group; answers the group as it is now.
  server_group add_members(const std::string& id,
                           const std::vector<std::string>& instances);

  /// Takes a deleted instance out of its groups; answers the groups that
  /// changed (to write).
  std::vector<server_group> remove_member(const std::string& instance_id);

  /// The groups an instance is a member of (2.71's server_groups).
  std::vector<std::string> groups_of(const std::string& instance_id) const;

  /// A project's groups (the server_groups quota's usage).
  int64_t count(const std::string& project_id) const;

private:
  std::map<std::string, server_group> by_id_;
  /// The newest group's created_us.
  int64_t last_created_us_ = 0;
};

} // namespace vmforge
