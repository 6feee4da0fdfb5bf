#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/api/api_actor.hpp"
#include "messages/context.hpp"
#include "messages/instance.hpp"

namespace vmforge {

/// What servers are built of and where: flavors (with os-flavor-manage's,
/// os-flavor-extra-specs' and os-flavor-access' rules) and availability
/// zones. Images are the image service's (actors/image/image_actor.hpp).
class catalog {
public:
  catalog() = default;

  /// `projects`: per private flavor, the projects with access to it.
  catalog(const std::vector<flavor>& flavors,
          const std::vector<std::string>& zones,
          std::map<std::string, std::vector<std::string>> projects = {});

  /// A server's flavorRef: an id, or an href whose last segment is one,
  /// of a flavor the caller may use.
  caf::expected<flavor> flavor_of(const std::string& ref,
                                  const request_context& ctx) const;

  /// Whether a server may ask for the zone (none asked is fine).
  caf::error check_zone(const std::string& zone) const;

  /// The zones hosts are in now (aggregates move hosts between them).
  void set_zones(std::set<std::string> zones);

  /// Nova's flavor_get_all: admins see what `v` asks for; others the
  /// public flavors and the private ones their project has access to.
  flavor_list flavors(const request_context& ctx, flavor_visibility v) const;

  /// A new flavor (an empty id gets a UUID); ids and names are unique.
  caf::expected<flavor> create_flavor(flavor f);

  /// Instances keep their copy of the flavor, as Nova's do.
  caf::error delete_flavor(const std::string& id);

  /// os-flavor-extra-specs' create (merged) and update.
  caf::expected<flavor>
  add_extra_specs(const std::string& id,
                  const std::map<std::string, std::string>& specs);

  caf::expected<flavor> delete_extra_spec(const std::string& id,
                                          const std::string& key);

  caf::expected<flavor> set_description(const std::string& id,
                                        const std::string& description);

  /// os-flavor-access' list: a public flavor has none.
  caf::expected<std::vector<std::string>>
  access(const std::string& id) const;

  caf::expected<std::vector<std::string>>
  add_access(const std::string& id, const std::string& project);

  caf::expected<std::vector<std::string>>
  remove_access(const std::string& id, const std::string& project);

  /// The projects with access to the flavor (none for a public one).
  std::vector<std::string> projects(const std::string& id) const;

private:
  bool visible(const flavor& f, const request_context& ctx) const;
  caf::expected<flavor*> find(const std::string& id);

  std::map<std::string, flavor> flavors_;
  std::map<std::string, std::set<std::string>> projects_;
  std::set<std::string> zones_;
};

} // namespace vmforge
