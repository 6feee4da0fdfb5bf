#include "actors/compute/resource_tracker.hpp"

#include <cstdio>

namespace vmforge {

namespace {

// nova/compute/claims.py: "Free memory 100.00 MB < requested 512 MB"
std::string test_limit(const char* type, const char* unit, int64_t total,
                       double ratio, int64_t used, int64_t requested) {
  auto free = static_cast<double>(total) * ratio - static_cast<double>(used);
  if (static_cast<double>(requested) <= free)
    return {};
  char buf[160];
  std::snprintf(buf, sizeof(buf), "Free %s %.2f %s < requested %lld %s", type,
                free, unit, static_cast<long long>(requested), unit);
  return buf;
}

} // namespace

resource_tracker::resource_tracker(resources capacity, allocation_ratios ratios)
  : capacity_(capacity), ratios_(ratios) {
  // nop
}

std::string resource_tracker::claim(const std::string& instance_id,
                                    const resources& need) {
  std::string why = test_limit("memory", "MB", capacity_.ram_mb, ratios_.ram,
                               used_.ram_mb, need.ram_mb);
  if (why.empty())
    why = test_limit("disk", "GB", capacity_.disk_gb, ratios_.disk,
                     used_.disk_gb, need.disk_gb);
  if (why.empty())
    why = test_limit("vcpu", "VCPU", capacity_.vcpus, ratios_.cpu, used_.vcpus,
                     need.vcpus);
  if (!why.empty())
    return "Insufficient compute resources: " + why + ".";
  adopt(instance_id, need);
  return {};
}

void resource_tracker::adopt(const std::string& instance_id,
                             const resources& need) {
  release(instance_id);
  claims_.emplace(instance_id, need);
  used_ += need;
}

bool resource_tracker::release(const std::string& instance_id) {
  auto i = claims_.find(instance_id);
  if (i == claims_.end())
    return false;
  used_ -= i->second;
  claims_.erase(i);
  return true;
}

} // namespace vmforge
