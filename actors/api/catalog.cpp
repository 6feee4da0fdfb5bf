#include "actors/api/catalog.hpp"

#include "messages/errors.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

// Nova's common.get_id_from_href: the id is the last path segment.
std::string id_from_href(const std::string& ref) {
  auto pos = ref.find_last_of('/');
  return pos == std::string::npos ? ref : ref.substr(pos + 1);
}

} // namespace

catalog::catalog(const std::vector<flavor>& flavors,
                 const std::vector<std::string>& zones,
                 std::map<std::string, std::vector<std::string>> projects)
  : zones_(zones.begin(), zones.end()) {
  for (auto& f : flavors)
    flavors_.emplace(f.id, f);
  for (auto& kv : projects)
    projects_[kv.first].insert(kv.second.begin(), kv.second.end());
}

bool catalog::visible(const flavor& f, const request_context& ctx) const {
  if (f.is_public || ctx.is_admin)
    return true;
  auto i = projects_.find(f.id);
  return i != projects_.end() && i->second.count(ctx.project_id) != 0;
}

caf::expected<flavor> catalog::flavor_of(const std::string& ref,
                                         const request_context& ctx) const {
  auto id = id_from_href(ref);
  auto i = flavors_.find(id);
  if (i == flavors_.end() || !visible(i->second, ctx))
    return nova_error(errc::flavor_not_found, id);
  return i->second;
}

caf::error catalog::check_zone(const std::string& zone) const {
  if (!zone.empty() && zones_.count(zone) == 0)
    return nova_error(errc::invalid_input,
                      "The requested availability zone is not available");
  return caf::none;
}

void catalog::set_zones(std::set<std::string> zones) {
  zones_ = std::move(zones);
}

flavor_list catalog::flavors(const request_context& ctx,
                             flavor_visibility v) const {
  flavor_list out;
  for (auto& kv : flavors_) {
    auto& f = kv.second;
    bool wanted = !ctx.is_admin ? visible(f, ctx)
                  : v == flavor_visibility::all ? true
                  : v == flavor_visibility::public_only ? f.is_public
                                                        : !f.is_public;
    if (wanted)
      out.items.push_back(f);
  }
  return out;
}

caf::expected<flavor> catalog::create_flavor(flavor f) {
  if (f.id.empty())
    f.id = make_uuid();
  if (flavors_.count(f.id) != 0)
    return nova_error(errc::flavor_id_exists, f.id);
  for (auto& kv : flavors_)
    if (kv.second.name == f.name)
      return nova_error(errc::flavor_exists, f.name);
  flavors_.emplace(f.id, f);
  return f;
}

caf::error catalog::delete_flavor(const std::string& id) {
  if (flavors_.erase(id) == 0)
    return nova_error(errc::flavor_not_found, id);
  projects_.erase(id);
  return caf::none;
}

caf::expected<flavor*> catalog::find(const std::string& id) {
  auto i = flavors_.find(id);
  if (i == flavors_.end())
    return nova_error(errc::flavor_not_found, id);
  return &i->second;
}

caf::expected<flavor>
catalog::add_extra_specs(const std::string& id,
                         const std::map<std::string, std::string>& specs) {
  auto f = find(id);
  if (!f)
    return f.error();
  for (auto& kv : specs)
    (*f)->extra_specs[kv.first] = kv.second;
  return **f;
}

caf::expected<flavor> catalog::delete_extra_spec(const std::string& id,
                                                 const std::string& key) {
  auto f = find(id);
  if (!f)
    return f.error();
  if ((*f)->extra_specs.erase(key) == 0)
    return nova_error(errc::flavor_extra_specs_not_found, id, key);
  return **f;
}

caf::expected<flavor> catalog::set_description(const std::string& id,
                                               const std::string& description) {
  auto f = find(id);
  if (!f)
    return f.error();
  (*f)->has_description = true;
  (*f)->description = description;
  return **f;
}

std::vector<std::string> catalog::projects(const std::string& id) const {
  auto i = projects_.find(id);
  if (i == projects_.end())
    return {};
  return {i->second.begin(), i->second.end()};
}

caf::expected<std::vector<std::string>>
catalog::access(const std::string& id) const {
  auto i = flavors_.find(id);
  if (i == flavors_.end())
    return nova_error(errc::flavor_not_found, id);
  if (i->second.is_public)
    return nova_error(errc::flavor_access_list_public);
  return projects(id);
}

caf::expected<std::vector<std::string>>
catalog::add_access(const std::string& id, const std::string& project) {
  auto f = find(id);
  if (!f)
    return f.error();
  if ((*f)->is_public)
    return nova_error(errc::flavor_access_public);
  if (!projects_[id].insert(project).second)
    return nova_error(errc::flavor_access_exists, id, project);
  return projects(id);
}

caf::expected<std::vector<std::string>>
catalog::remove_access(const std::string& id, const std::string& project) {
  auto f = find(id);
  if (!f)
    return f.error();
  auto i = projects_.find(id);
  if (i == projects_.end() || i->second.erase(project) == 0)
    return nova_error(errc::flavor_access_not_found, id, project);
  return projects(id);
}

} // namespace vmforge
