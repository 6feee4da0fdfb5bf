#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// os-simple-tenant-usage: what each instance and project used in a period
// (Nova's simple_tenant_usage, computed from launched_at and terminated_at).
namespace vmforge {

/// What os-simple-tenant-usage asks: a period (microseconds), one tenant
/// or all (empty), and a page of instances after `marker` (by project,
/// then uuid, as Nova pages them).
struct usage_query {
  std::string tenant_id;
  int64_t start_us = 0;
  int64_t stop_us = 0;
  bool detailed = false;
  int64_t limit = 1000;
  std::string marker;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_query& x) {
  return f(caf::meta::type_name("usage_query"), x.tenant_id, x.start_us,
           x.stop_us, x.detailed, x.limit, x.marker);
}

/// One instance's use of the period (Nova's server_usages item).
struct server_usage {
  std::string instance_id;
  std::string name;
  std::string tenant_id;
  std::string flavor;
  double hours = 0;
  int64_t memory_mb = 0;
  int64_t local_gb = 0;
  int64_t vcpus = 0;
  int64_t started_us = 0;
  /// 0 while the instance lives (ended_at null).
  int64_t ended_us = 0;
  /// "terminated" once ended, else the vm_state.
  std::string state;
  int64_t uptime_s = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, server_usage& x) {
  return f(caf::meta::type_name("server_usage"), x.instance_id, x.name,
           x.tenant_id, x.flavor, x.hours, x.memory_mb, x.local_gb, x.vcpus,
           x.started_us, x.ended_us, x.state, x.uptime_s);
}

/// One project's totals over the period, its servers' usages if detailed.
struct tenant_usage {
  std::string tenant_id;
  double total_hours = 0;
  double total_vcpus_usage = 0;
  double total_memory_mb_usage = 0;
  double total_local_gb_usage = 0;
  bool detailed = false;
  std::vector<server_usage> server_usages;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tenant_usage& x) {
  return f(caf::meta::type_name("tenant_usage"), x.tenant_id, x.total_hours,
           x.total_vcpus_usage, x.total_memory_mb_usage,
           x.total_local_gb_usage, x.detailed, x.server_usages);
}

/// The projects in the order their first instance came, the period as it
/// was applied (its end no later than now), and what paging needs: how
/// many instances the page held and the last one's id.
struct usage_report {
  std::vector<tenant_usage> tenants;
  int64_t start_us = 0;
  int64_t stop_us = 0;
  int64_t servers = 0;
  std::string last_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_report& x) {
  return f(caf::meta::type_name("usage_report"), x.tenants, x.start_us,
           x.stop_us, x.servers, x.last_id);
}

} // namespace vmforge
