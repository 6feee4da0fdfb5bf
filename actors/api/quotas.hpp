#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/api/api_actor.hpp"
#include "config/options.hpp"
#include "messages/quota.hpp"

namespace vmforge {

/// Limits by resource name ("instances", "cores", "key_pairs", ...).
using quota_map = std::map<std::string, int64_t>;

/// Nova's quotas as the API keeps them: the values of the "default" class,
/// then overrides per project and per user. A limit below 0 is unlimited.
class quotas {
public:
  quotas() = default;

  /// Nova's [quota] defaults, with what the options set.
  explicit quotas(const options& opts);

  /// Applies the limits a database held.
  void restore(const std::vector<quota_entry>& stored);

  const quota_map& defaults() const {
    return defaults_;
  }

  /// The project's limits: the defaults with its overrides.
  quota_map project(const std::string& project_id) const;

  /// A user's limits: the project's with the user's overrides.
  quota_map user(const std::string& project_id,
                 const std::string& user_id) const;

  /// One of the project's limits (0 for an unknown resource).
  int64_t limit(const std::string& project_id,
                const std::string& resource) const;

  /// What a create of instances counts against.
  quota_limits instance_limits(const std::string& project_id) const;

  /// A quota class's values (os-quota-class-sets): "default" is what
  /// projects get; any other class has its own values over the options'
  /// defaults and applies to no project, as with Nova's DB driver.
  quota_map quota_class(const std::string& name) const;

  // Changes answer the records to write.
  std::vector<quota_entry> set_class(const std::string& name,
                                     const quota_map& values);
  std::vector<quota_entry> set_project(const std::string& project_id,
                                       const quota_map& values);
  std::vector<quota_entry> set_user(const std::string& project_id,
                                    const std::string& user_id,
                                    const quota_map& values);

  /// Back to the defaults for the project and its users.
  void drop_project(const std::string& project_id);

private:
  /// The options' defaults, under every class's own values.
  quota_map configured_;
  quota_map defaults_;
  std::map<std::string, quota_map> classes_;
  std::map<std::string, quota_map> projects_;
  std::map<std::pair<std::string, std::string>, quota_map> users_;
};

/// GET /limits: a project's limits and what it uses.
project_limits limits_view(quota_map limits, const project_usage& use,
                           int64_t security_groups_used,
                           int64_t server_groups_used);

/// A quota set as os-quota-sets shows it, without usage.
quota_set_info quota_view(quota_map limits);

/// The same with what the project uses; key pairs are counted over every
/// user, as vmforge always has, server groups over the project's.
quota_set_info quota_view(quota_map limits, const project_usage& use,
                          int64_t key_pairs, int64_t server_groups);

} // namespace vmforge
