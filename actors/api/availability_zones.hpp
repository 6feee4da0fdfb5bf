#pragma once

#include <vector>

#include "actors/api/api_actor.hpp"

namespace vmforge {

/// Nova's availability_zones.get_availability_zones over the scheduler's
/// hosts (each in its effective zone): a zone with an enabled host is
/// available and lists its enabled hosts; one whose hosts are all disabled
/// is not. By name, available ones first, as Nova answers.
zone_list zones_of(const std::vector<host_view>& hosts);

} // namespace vmforge
