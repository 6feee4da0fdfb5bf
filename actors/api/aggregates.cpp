#include "actors/api/aggregates.hpp"

#include <algorithm>

#include "messages/errors.hpp"
#include "util/uuid.hpp"

namespace vmforge {

aggregates::aggregates(std::vector<aggregate> stored) {
  for (auto& a : stored) {
    next_id_ = std::max(next_id_, a.id + 1);
    by_id_.emplace(a.id, std::move(a));
  }
}

std::vector<aggregate> aggregates::all() const {
  std::vector<aggregate> out;
  out.reserve(by_id_.size());
  for (auto& kv : by_id_)
    out.push_back(kv.second);
  return out;
}

aggregate* aggregates::find(int64_t id) {
  auto i = by_id_.find(id);
  return i == by_id_.end() ? nullptr : &i->second;
}

caf::expected<aggregate> aggregates::get(int64_t id) const {
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return nova_error(errc::aggregate_not_found, id);
  return i->second;
}

caf::expected<aggregate> aggregates::create(const std::string& name,
                                            const std::string& zone,
                                            int64_t now_us) {
  for (auto& kv : by_id_)
    if (kv.second.name == name)
      return nova_error(errc::aggregate_name_exists, name);
  aggregate a;
  a.id = next_id_++;
  a.uuid = make_uuid();
  a.name = name;
  if (!zone.empty())
    a.metadata["availability_zone"] = zone;
  a.created_us = now_us;
  return by_id_.emplace(a.id, a).first->second;
}

caf::error aggregates::check_zone(const aggregate& agg, const std::string& zone,
                                  const std::vector<std::string>& hosts,
                                  errc code) const {
  if (zone.empty())
    return nova_error(code, agg.id,
                      "Aggregate " + agg.name
                        + " does not support empty named availability zone");
  // Python's repr of the list of conflicting zones, as Nova's message has it.
  std::string conflicting;
  for (auto& kv : by_id_) {
    auto& other = kv.second;
    auto other_zone = other.availability_zone();
    if (other.id == agg.id || other_zone.empty() || other_zone == zone)
      continue;
    for (auto& h : hosts)
      if (std::find(other.hosts.begin(), other.hosts.end(), h)
          != other.hosts.end()) {
        conflicting += (conflicting.empty() ? "'" : ", '") + other_zone + "'";
        break;
      }
  }
  if (!conflicting.empty())
    return nova_error(code, agg.id,
                      "One or more hosts already in availability zone(s) ["
                        + conflicting + "]");
  return caf::none;
}

caf::expected<aggregate> aggregates::update(int64_t id, const std::string* name,
                                            const std::string* zone,
                                            int64_t now_us) {
  auto a = find(id);
  if (a == nullptr)
    return nova_error(errc::aggregate_not_found, id);
  if (name != nullptr)
    for (auto& kv : by_id_)
      if (kv.first != id && kv.second.name == *name)
        return nova_error(errc::aggregate_name_exists, *name);
  if (zone != nullptr)
    if (auto err = check_zone(*a, *zone, a->hosts,
                              errc::invalid_aggregate_action_update))
      return err;
  if (name != nullptr)
    a->name = *name;
  if (zone != nullptr)
    a->metadata["availability_zone"] = *zone;
  a->updated_us = now_us;
  return *a;
}

caf::error aggregates::remove(int64_t id) {
  auto a = find(id);
  if (a == nullptr)
    return nova_error(errc::aggregate_not_found, id);
  if (!a->hosts.empty())
    return nova_error(errc::invalid_aggregate_action_delete, id,
                      "Host aggregate is not empty");
  by_id_.erase(id);
  return caf::none;
}

caf::expected<aggregate> aggregates::add_host(int64_t id,
                                              const std::string& host,
                                              int64_t now_us) {
  auto a = find(id);
  if (a == nullptr)
    return nova_error(errc::aggregate_not_found, id);
  auto zone = a->availability_zone();
  if (!zone.empty())
    if (auto err = check_zone(*a, zone, {host},
                              errc::invalid_aggregate_action_add))
      return err;
  if (std::find(a->hosts.begin(), a->hosts.end(), host) != a->hosts.end())
    return nova_error(errc::aggregate_host_exists, id, host);
  a->hosts.push_back(host);
  a->updated_us = now_us;
  return *a;
}

caf::expected<aggregate> aggregates::remove_host(int64_t id,
                                                 const std::string& host,
                                                 int64_t now_us) {
  auto a = find(id);
  auto i = a == nullptr ? decltype(a->hosts.end()){}
                        : std::find(a->hosts.begin(), a->hosts.end(), host);
  if (a == nullptr || i == a->hosts.end())
    return nova_error(errc::aggregate_host_not_found, host, id);
  a->hosts.erase(i);
  a->updated_us = now_us;
  return *a;
}

caf::expected<aggregate>
aggregates::set_metadata(int64_t id,
                         const std::map<std::string, std::string>& set,
                         const std::vector<std::string>& unset,
                         int64_t now_us) {
  auto a = find(id);
  if (a == nullptr)
    return nova_error(errc::aggregate_not_found, id);
  auto code = errc::invalid_aggregate_action_update_meta;
  if (auto z = set.find("availability_zone"); z != set.end()) {
    if (auto err = check_zone(*a, z->second, a->hosts, code))
      return err;
  } else if (std::find(unset.begin(), unset.end(), "availability_zone")
             != unset.end()) {
    // Nova takes a null zone as an empty one.
    return check_zone(*a, {}, a->hosts, code);
  }
  for (auto& key : unset)
    a->metadata.erase(key);
  for (auto& kv : set)
    a->metadata[kv.first] = kv.second;
  a->updated_us = now_us;
  return *a;
}

std::string aggregates::zone_of(const std::string& host) const {
  for (auto& kv : by_id_) {
    auto zone = kv.second.availability_zone();
    if (!zone.empty()
        && std::find(kv.second.hosts.begin(), kv.second.hosts.end(), host)
             != kv.second.hosts.end())
      return zone;
  }
  return {};
}

std::set<std::string> aggregates::zones() const {
  std::set<std::string> out;
  for (auto& kv : by_id_)
    if (!kv.second.hosts.empty() && !kv.second.availability_zone().empty())
      out.insert(kv.second.availability_zone());
  return out;
}

} // namespace vmforge
