#include "actors/api/availability_zones.hpp"

#include <map>

namespace vmforge {

zone_list zones_of(const std::vector<host_view>& hosts) {
  std::map<std::string, std::vector<host_view>> enabled;
  std::map<std::string, bool> disabled;
  for (auto& h : hosts) {
    if (h.enabled)
      enabled[h.availability_zone].push_back(h);
    else
      disabled[h.availability_zone] = true;
  }
  zone_list out;
  for (auto& kv : enabled)
    out.items.push_back(zone_info{kv.first, true, kv.second});
  for (auto& kv : disabled)
    if (enabled.count(kv.first) == 0)
      out.items.push_back(zone_info{kv.first, false, {}});
  return out;
}

} // namespace vmforge
