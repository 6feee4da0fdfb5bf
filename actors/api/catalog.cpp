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
                 const std::vector<std::string>& zones)
  : zones_(zones.begin(), zones.end()) {
  for (auto& f : flavors)
    flavors_.emplace(f.id, f);
}

caf::expected<flavor> catalog::flavor_of(const std::string& ref) const {
  auto id = id_from_href(ref);
  auto i = flavors_.find(id);
  if (i == flavors_.end())
    return nova_error(errc::flavor_not_found, id);
  return i->second;
}

caf::error catalog::check_zone(const std::string& zone) const {
  if (!zone.empty() && zones_.count(zone) == 0)
    return nova_error(errc::invalid_input,
                      "The requested availability zone is not available");
  return caf::none;
}

flavor_list catalog::flavors(bool is_admin) const {
  flavor_list out;
  for (auto& kv : flavors_)
    if (kv.second.is_public || is_admin)
      out.items.push_back(kv.second);
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
  return caf::none;
}

} // namespace vmforge
