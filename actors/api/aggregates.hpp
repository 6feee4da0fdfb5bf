#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "messages/aggregate.hpp"
#include "messages/errors.hpp"

namespace vmforge {

/// Host aggregates with the rules of Nova's AggregateAPI (compute/api.py):
/// unique names, a host in at most one zone, no delete while hosts remain.
/// Every change stamps `now_us` as updated_at, as Nova's do.
class aggregates {
public:
  aggregates() = default;

  explicit aggregates(std::vector<aggregate> stored);

  /// By id, as Nova lists them.
  std::vector<aggregate> all() const;

  caf::expected<aggregate> get(int64_t id) const;

  /// An empty zone makes no zone.
  caf::expected<aggregate> create(const std::string& name,
                                  const std::string& zone, int64_t now_us);

  /// PUT: a new name and/or a new zone (the `availability_zone` key).
  caf::expected<aggregate> update(int64_t id, const std::string* name,
                                  const std::string* zone, int64_t now_us);

  caf::error remove(int64_t id);

  /// The caller has checked that the host exists.
  caf::expected<aggregate> add_host(int64_t id, const std::string& host,
                                    int64_t now_us);

  caf::expected<aggregate> remove_host(int64_t id, const std::string& host,
                                       int64_t now_us);

  /// set_metadata: `set` keys get their values, `unset` keys go.
  caf::expected<aggregate>
  set_metadata(int64_t id, const std::map<std::string, std::string>& set,
               const std::vector<std::string>& unset, int64_t now_us);

  /// The zone an aggregate gives the host; empty if none does.
  std::string zone_of(const std::string& host) const;

  /// The zones of aggregates that hold hosts.
  std::set<std::string> zones() const;

private:
  aggregate* find(int64_t id);
  /// Nova's is_safe_to_update_az: `zone` may not be empty, and none of
  /// `hosts` may be in an aggregate of another zone.
  caf::error check_zone(const aggregate& agg, const std::string& zone,
                        const std::vector<std::string>& hosts,
                        errc code) const;

  std::map<int64_t, aggregate> by_id_;
  int64_t next_id_ = 1;
};

} // namespace vmforge
