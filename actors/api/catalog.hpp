#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/api/api_actor.hpp"
#include "messages/instance.hpp"

namespace vmforge {

/// What servers are built of and where: flavors (with os-flavor-manage's
/// rules) and availability zones. Images are the image service's
/// (actors/image/image_actor.hpp).
class catalog {
public:
  catalog() = default;

  catalog(const std::vector<flavor>& flavors,
          const std::vector<std::string>& zones);

  /// A server's flavorRef: an id, or an href whose last segment is one.
  caf::expected<flavor> flavor_of(const std::string& ref) const;

  /// Whether a server may ask for the zone (none asked is fine).
  caf::error check_zone(const std::string& zone) const;

  /// Non-admins see public flavors only.
  flavor_list flavors(bool is_admin) const;

  /// A new flavor (an empty id gets a UUID); ids and names are unique.
  caf::expected<flavor> create_flavor(flavor f);

  /// Instances keep their copy of the flavor, as Nova's do.
  caf::error delete_flavor(const std::string& id);

private:
  std::map<std::string, flavor> flavors_;
  std::set<std::string> zones_;
};

} // namespace vmforge
