#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/instance.hpp"
#include "messages/security_group.hpp"

namespace vmforge {

/// Projects' security groups and their rules (os-security-groups, Nova's
/// API before 2.36). A project has a "default" group from its first use.
/// Answers carry the groups asked for (see security_group_list).
class security_groups {
public:
  /// Takes the groups a database held; new ids follow the highest.
  void restore(const std::vector<security_group_info>& stored);

  /// The project's groups, "default" first.
  const std::vector<security_group_info>& of(const std::string& project_id);

  caf::expected<security_group_list> show(const std::string& project_id,
                                          int64_t id);

  /// A new group of `group`'s name and description, if the project has
  /// fewer than `limit` (below 0: unlimited) and none of that name.
  caf::expected<security_group_list> create(const std::string& project_id,
                                            security_group_info group,
                                            int64_t limit);

  /// Any group but "default"; the project's rules that name it go too
  /// (Neutron's remote_group_id rules go with their group).
  caf::expected<security_group_list> remove(const std::string& project_id,
                                            int64_t id);

  /// A new name and description of the group (os-security-groups PUT);
  /// another group of that name is SecurityGroupExists. The rules that
  /// name the group show its new name.
  caf::expected<security_group_list> update(const std::string& project_id,
                                            int64_t id,
                                            const std::string& name,
                                            const std::string& description);

  /// Every project's groups, ordered by project and name (Nova's list for
  /// an admin's all_tenants).
  security_group_list all() const;

  /// A new rule of its parent group, if the project's groups have fewer
  /// than `limit` rules in all; answers the parent. A rule with group_id
  /// names one of the project's groups (404 otherwise) and has no cidr; a
  /// rule equal to one the parent has is refused (Nova's _rule_exists),
  /// as a tcp or udp range that is reversed or outside 1-65535.
  caf::expected<security_group_list> add_rule(const std::string& project_id,
                                              security_group_rule_info rule,
                                              int64_t limit);

  caf::expected<security_group_list> remove_rule(const std::string& project_id,
                                                 int64_t id);

  /// The project's group of that name, or of that id as text (Neutron's
  /// find_resourceid_by_name_or_id); nullptr if none.
  const security_group_info* named(const std::string& project_id,
                                   const std::string& name_or_id);

  /// Whether a server of the project may name the group.
  bool known(const std::string& project_id, const std::string& name) const;

  /// How many groups the project has ("default" counts before first use).
  int64_t used(const std::string& project_id) const;

private:
  std::vector<security_group_info>& groups(const std::string& project_id);

  std::map<std::string, std::vector<security_group_info>> by_project_;
  int64_t next_group_id_ = 1;
  int64_t next_rule_id_ = 1;
};

/// Whether addSecurityGroup / removeSecurityGroup of `name` may change
/// the server, as Nova's Neutron security group API decides: the group
/// must exist in the caller's project (`group`, what `name` found), the
/// server must have ports, and a removed group must be one of the
/// server's.
caf::error check_server_group(const instance& row, const std::string& name,
                              const security_group_info* group, bool add,
                              const std::string& project_id);

} // namespace vmforge
