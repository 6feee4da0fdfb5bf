#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// Nova's host aggregates (objects/aggregate.py): named groups of compute
// hosts with metadata; the `availability_zone` key makes one a zone.
namespace vmforge {

struct aggregate {
  int64_t id = 0;
  std::string uuid;
  std::string name;
  std::vector<std::string> hosts;
  std::map<std::string, std::string> metadata;
  int64_t created_us = 0;
  /// 0: never updated (null in the view).
  int64_t updated_us = 0;

  /// The zone its hosts are in; empty if it is not a zone.
  std::string availability_zone() const {
    auto i = metadata.find("availability_zone");
    return i == metadata.end() ? std::string{} : i->second;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, aggregate& x) {
  return f(caf::meta::type_name("aggregate"), x.id, x.uuid, x.name, x.hosts,
           x.metadata, x.created_us, x.updated_us);
}

struct aggregate_list {
  std::vector<aggregate> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, aggregate_list& x) {
  return f(caf::meta::type_name("aggregate_list"), x.items);
}

} // namespace vmforge
