#include "actors/api/security_groups.hpp"

#include <algorithm>
#include <tuple>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

security_group_info* find(std::vector<security_group_info>& groups,
                          int64_t id) {
  for (auto& g : groups)
    if (g.id == id)
      return &g;
  return nullptr;
}

caf::error missing(int64_t id) {
  return nova_error(errc::security_group_not_found, id);
}

// The name and project the view shows of the group a rule names.
void name_rules(std::vector<security_group_info>& groups) {
  for (auto& g : groups)
    for (auto& r : g.rules)
      if (auto source = r.group_id != 0 ? find(groups, r.group_id) : nullptr) {
        r.group_name = source->name;
        r.group_project_id = source->project_id;
      }
}

// Nova's _new_ingress_rule checks of a tcp or udp port range.
caf::error check_ports(const security_group_rule_info& r) {
  if (r.ip_protocol != "tcp" && r.ip_protocol != "udp")
    return caf::none;
  auto range = "Invalid port range " + std::to_string(r.from_port) + ":"
               + std::to_string(r.to_port) + ". ";
  if (r.from_port > r.to_port)
    return nova_error(errc::invalid_input,
                      range + "Former value cannot be greater than the later");
  if (r.from_port < 1 || r.to_port > 65535) {
    std::string proto = r.ip_protocol == "tcp" ? "TCP" : "UDP";
    return nova_error(errc::invalid_input, range + "Valid " + proto
                                             + " ports should be between "
                                               "1-65535");
  }
  return caf::none;
}

// Nova's _rule_exists: the same group, cidr, ports and protocol.
bool same_rule(const security_group_rule_info& x,
               const security_group_rule_info& y) {
  return x.group_id == y.group_id && x.cidr == y.cidr
         && x.from_port == y.from_port && x.to_port == y.to_port
         && x.ip_protocol == y.ip_protocol;
}

} // namespace

void security_groups::restore(const std::vector<security_group_info>& stored) {
  for (auto& g : stored) {
    next_group_id_ = std::max(next_group_id_, g.id + 1);
    for (auto& r : g.rules)
      next_rule_id_ = std::max(next_rule_id_, r.id + 1);
    by_project_[g.project_id].push_back(g);
  }
  for (auto& kv : by_project_)
    name_rules(kv.second);
}

security_group_list security_groups::all() const {
  security_group_list out;
  for (auto& kv : by_project_)
    out.items.insert(out.items.end(), kv.second.begin(), kv.second.end());
  std::stable_sort(out.items.begin(), out.items.end(),
                   [](const security_group_info& x,
                      const security_group_info& y) {
                     return std::tie(x.project_id, x.name)
                            < std::tie(y.project_id, y.name);
                   });
  return out;
}

caf::expected<security_group_list>
security_groups::update(const std::string& project_id, int64_t id,
                        const std::string& name,
                        const std::string& description) {
  auto& all = groups(project_id);
  auto g = find(all, id);
  if (g == nullptr)
    return missing(id);
  for (auto& other : all)
    if (other.id != id && other.name == name)
      return nova_error(errc::security_group_exists, name);
  g->name = name;
  g->description = description;
  name_rules(all);
  return security_group_list{{*g}};
}

std::vector<security_group_info>&
security_groups::groups(const std::string& project_id) {
  auto& groups = by_project_[project_id];
  if (groups.empty())
    groups.push_back({next_group_id_++, "default", "default", project_id, {}});
  return groups;
}

const std::vector<security_group_info>&
security_groups::of(const std::string& project_id) {
  return groups(project_id);
}

const security_group_info*
security_groups::named(const std::string& project_id,
                       const std::string& name_or_id) {
  for (auto& g : groups(project_id))
    if (g.name == name_or_id || std::to_string(g.id) == name_or_id)
      return &g;
  return nullptr;
}

caf::expected<security_group_list>
security_groups::show(const std::string& project_id, int64_t id) {
  if (auto g = find(groups(project_id), id))
    return security_group_list{{*g}};
  return missing(id);
}

caf::expected<security_group_list>
security_groups::create(const std::string& project_id,
                        security_group_info group, int64_t limit) {
  auto& all = groups(project_id);
  if (limit >= 0 && static_cast<int64_t>(all.size()) >= limit)
    return nova_error(errc::security_group_limit_exceeded);
  for (auto& g : all)
    if (g.name == group.name)
      return nova_error(errc::security_group_exists, group.name);
  group.id = next_group_id_++;
  group.project_id = project_id;
  group.rules.clear();
  all.push_back(group);
  return security_group_list{{std::move(group)}};
}

caf::expected<security_group_list>
security_groups::remove(const std::string& project_id, int64_t id) {
  auto& all = groups(project_id);
  auto g = find(all, id);
  if (g == nullptr)
    return missing(id);
  if (g->name == "default")
    return nova_error(errc::invalid_input,
                      "Removing default security group not allowed.");
  all.erase(all.begin() + (g - all.data()));
  for (auto& other : all)
    other.rules.erase(std::remove_if(other.rules.begin(), other.rules.end(),
                                     [id](const security_group_rule_info& r) {
                                       return r.group_id == id;
                                     }),
                      other.rules.end());
  return security_group_list{};
}

caf::expected<security_group_list>
security_groups::add_rule(const std::string& project_id,
                          security_group_rule_info rule, int64_t limit) {
  auto& all = groups(project_id);
  auto g = find(all, rule.parent_group_id);
  if (g == nullptr)
    return missing(rule.parent_group_id);
  int64_t rules = 0;
  for (auto& x : all)
    rules += static_cast<int64_t>(x.rules.size());
  if (rule.group_id != 0) {
    auto source = find(all, rule.group_id);
    if (source == nullptr)
      return missing(rule.group_id);
    rule.cidr.clear();
    rule.group_name = source->name;
    rule.group_project_id = source->project_id;
  }
  if (auto err = check_ports(rule))
    return err;
  for (auto& r : g->rules)
    if (same_rule(r, rule))
      return nova_error(errc::invalid_input,
                        "This rule already exists in group "
                          + std::to_string(g->id));
  if (limit >= 0 && rules >= limit)
    return nova_error(errc::security_group_rule_limit_exceeded);
  rule.id = next_rule_id_++;
  g->rules.push_back(rule);
  return security_group_list{{*g}};
}

caf::expected<security_group_list>
security_groups::remove_rule(const std::string& project_id, int64_t id) {
  for (auto& g : groups(project_id))
    for (auto r = g.rules.begin(); r != g.rules.end(); ++r)
      if (r->id == id) {
        g.rules.erase(r);
        return security_group_list{};
      }
  return nova_error(errc::security_group_rule_not_found, id);
}

bool security_groups::known(const std::string& project_id,
                            const std::string& name) const {
  if (name == "default")
    return true;
  auto i = by_project_.find(project_id);
  return i != by_project_.end()
         && std::any_of(i->second.begin(), i->second.end(),
                        [&](const security_group_info& g) {
                          return g.name == name;
                        });
}

int64_t security_groups::used(const std::string& project_id) const {
  auto i = by_project_.find(project_id);
  return i == by_project_.end() ? 1 : static_cast<int64_t>(i->second.size());
}

caf::error check_server_group(const instance& row, const std::string& name,
                              const security_group_info* group, bool add,
                              const std::string& project_id) {
  if (group == nullptr)
    return nova_error(errc::server_security_group_not_found,
                      "Security group " + name + " is not found for project "
                        + project_id);
  if (row.vifs.empty())
    return nova_error(errc::server_security_group_not_found,
                      "instance_id " + row.id
                        + " could not be found as device id on any ports");
  auto& mine = row.security_groups;
  if (!add && std::find(mine.begin(), mine.end(), group->name) == mine.end())
    return nova_error(errc::server_security_group_not_found,
                      "Security group " + name
                        + " not associated with the instance " + row.id);
  return caf::none;
}

} // namespace vmforge
