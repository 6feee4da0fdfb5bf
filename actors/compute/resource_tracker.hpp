#pragma once

#include <string>
#include <unordered_map>

#include "messages/instance.hpp"

namespace vmforge {

/// A compute host's own account of what its instances use (Nova's
/// ResourceTracker): the last word on whether a build fits, independent of
/// the scheduler's (possibly stale) view.
class resource_tracker {
public:
  resource_tracker() = default;
  resource_tracker(resources capacity, allocation_ratios ratios);

  /// Claims `need` for the instance; on failure returns Nova's
  /// "Insufficient compute resources: ..." reason and claims nothing.
  std::string claim(const std::string& instance_id, const resources& need);

  /// Records an existing instance without checking limits (rebuilding the
  /// account from the store after a restart).
  void adopt(const std::string& instance_id, const resources& need);

  /// Releases the instance's claim; false if it held none.
  bool release(const std::string& instance_id);

  bool holds(const std::string& instance_id) const {
    return claims_.count(instance_id) != 0;
  }
  const resources& used() const {
    return used_;
  }
  const resources& capacity() const {
    return capacity_;
  }
  size_t instances() const {
    return claims_.size();
  }

private:
  resources capacity_;
  allocation_ratios ratios_;
  resources used_;
  std::unordered_map<std::string, resources> claims_;
};

} // namespace vmforge
