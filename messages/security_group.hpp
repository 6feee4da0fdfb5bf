#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// A project's security groups and their rules (Nova's API before 2.36).
namespace vmforge {

/// os-security-groups and os-security-group-rules (Nova's API before 2.36).
struct security_group_rule_info {
  int64_t id = 0;
  int64_t parent_group_id = 0;
  std::string ip_protocol;
  int64_t from_port = -1;
  int64_t to_port = -1;
  /// Empty for a rule that names a group (group_id).
  std::string cidr;
  /// The group whose members the rule admits (0: none, the cidr's rule);
  /// its name and project as they are now, for the view.
  int64_t group_id = 0;
  std::string group_name{};
  std::string group_project_id{};
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        security_group_rule_info& x) {
  return f(caf::meta::type_name("security_group_rule_info"), x.id,
           x.parent_group_id, x.ip_protocol, x.from_port, x.to_port, x.cidr,
           x.group_id, x.group_name, x.group_project_id);
}

struct security_group_info {
  int64_t id = 0;
  std::string name;
  std::string description;
  std::string project_id;
  std::vector<security_group_rule_info> rules;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_group_info& x) {
  return f(caf::meta::type_name("security_group_info"), x.id, x.name,
           x.description, x.project_id, x.rules);
}

/// The groups asked for; for create_rule, the parent group with the new
/// rule last.
struct security_group_list {
  std::vector<security_group_info> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_group_list& x) {
  return f(caf::meta::type_name("security_group_list"), x.items);
}

} // namespace vmforge
