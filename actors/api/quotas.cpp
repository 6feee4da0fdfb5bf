#include "actors/api/quotas.hpp"

namespace vmforge {

namespace {

constexpr const char* default_class = "default";

void overlay(quota_map& out, const quota_map& values) {
  for (auto& kv : values)
    out[kv.first] = kv.second;
}

std::vector<quota_entry> entries(const std::string& scope,
                                 const std::string& project_id,
                                 const std::string& user_id,
                                 const quota_map& values) {
  std::vector<quota_entry> out;
  for (auto& kv : values)
    out.push_back(quota_entry{scope, project_id, user_id, kv.first, kv.second});
  return out;
}

} // namespace

quotas::quotas(const options& opts)
  : configured_{{"instances", opts.quota.instances},
              {"cores", opts.quota.cores},
              {"ram", opts.quota.ram_mb},
              {"metadata_items", opts.quota_metadata_items},
              {"key_pairs", 100},
              {"server_groups", 10},
              {"server_group_members", 10},
              {"fixed_ips", -1},
              {"floating_ips", 10},
              {"security_groups", 10},
              {"security_group_rules", 20},
              {"injected_files", 5},
              {"injected_file_content_bytes", 10240},
              {"injected_file_path_bytes", 255}},
    defaults_(configured_) {
  // nop
}

void quotas::restore(const std::vector<quota_entry>& stored) {
  for (auto& q : stored) {
    if (q.scope == "class" && q.project_id == default_class)
      defaults_[q.resource] = q.limit;
    else if (q.scope == "class")
      classes_[q.project_id][q.resource] = q.limit;
    else if (q.scope == "project")
      projects_[q.project_id][q.resource] = q.limit;
    else
      users_[{q.project_id, q.user_id}][q.resource] = q.limit;
  }
}

quota_map quotas::project(const std::string& project_id) const {
  auto out = defaults_;
  if (auto i = projects_.find(project_id); i != projects_.end())
    overlay(out, i->second);
  return out;
}

quota_map quotas::user(const std::string& project_id,
                       const std::string& user_id) const {
  auto out = project(project_id);
  if (auto i = users_.find({project_id, user_id}); i != users_.end())
    overlay(out, i->second);
  return out;
}

int64_t quotas::limit(const std::string& project_id,
                      const std::string& resource) const {
  auto limits = project(project_id);
  auto i = limits.find(resource);
  return i == limits.end() ? 0 : i->second;
}

quota_limits quotas::instance_limits(const std::string& project_id) const {
  auto q = project(project_id);
  return quota_limits{q["instances"], q["cores"], q["ram"]};
}

quota_map quotas::quota_class(const std::string& name) const {
  if (name == default_class)
    return defaults_;
  auto out = configured_;
  if (auto i = classes_.find(name); i != classes_.end())
    overlay(out, i->second);
  return out;
}

std::vector<quota_entry> quotas::set_class(const std::string& name,
                                           const quota_map& values) {
  overlay(name == default_class ? defaults_ : classes_[name], values);
  return entries("class", name, {}, values);
}

std::vector<quota_entry> quotas::set_project(const std::string& project_id,
                                             const quota_map& values) {
  overlay(projects_[project_id], values);
  return entries("project", project_id, {}, values);
}

std::vector<quota_entry> quotas::set_user(const std::string& project_id,
                                          const std::string& user_id,
                                          const quota_map& values) {
  overlay(users_[{project_id, user_id}], values);
  return entries("user", project_id, user_id, values);
}

void quotas::drop_project(const std::string& project_id) {
  projects_.erase(project_id);
  for (auto i = users_.begin(); i != users_.end();)
    i = i->first.first == project_id ? users_.erase(i) : std::next(i);
}

project_limits limits_view(quota_map limits, const project_usage& use,
                           int64_t security_groups_used,
                           int64_t server_groups_used) {
  return project_limits{limits["instances"],
                        limits["cores"],
                        limits["ram"],
                        limits["metadata_items"],
                        use.instances,
                        use.cores,
                        use.ram_mb,
                        security_groups_used,
                        limits["server_groups"],
                        limits["server_group_members"],
                        server_groups_used};
}

quota_set_info quota_view(quota_map limits) {
  return quota_set_info{std::move(limits), {}};
}

quota_set_info quota_view(quota_map limits, const project_usage& use,
                          int64_t key_pairs, int64_t server_groups) {
  return quota_set_info{std::move(limits),
                        {{"instances", use.instances},
                         {"cores", use.cores},
                         {"ram", use.ram_mb},
                         {"key_pairs", key_pairs},
                         {"server_groups", server_groups}}};
}

} // namespace vmforge
