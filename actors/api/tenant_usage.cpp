#include "actors/api/tenant_usage.hpp"

#include <algorithm>
#include <map>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

constexpr double us_per_hour = 3600.0 * 1e6;

// Nova's _hours_for: the part of the period the instance ran.
double hours_for(const instance& row, int64_t start, int64_t stop) {
  if (row.terminated_us != 0 && row.terminated_us < start)
    return 0;
  if (row.launched_us == 0 || row.launched_us > stop)
    return 0;
  auto from = std::max(row.launched_us, start);
  auto to = row.terminated_us != 0 ? std::min(stop, row.terminated_us) : stop;
  return static_cast<double>(to - from) / us_per_hour;
}

bool before(const instance& x, const instance& y) {
  return x.project_id != y.project_id ? x.project_id < y.project_id
                                      : x.id < y.id;
}

} // namespace

caf::expected<usage_report> tenant_usage_of(std::vector<instance> rows,
                                            const usage_query& q, int64_t now) {
  std::sort(rows.begin(), rows.end(), before);
  auto first = rows.begin();
  if (!q.marker.empty()) {
    auto m = std::find_if(rows.begin(), rows.end(), [&](const instance& r) {
      return r.id == q.marker;
    });
    if (m == rows.end())
      return nova_error(errc::invalid_input,
                        "Marker " + q.marker + " could not be found.");
    first = m + 1;
  }
  usage_report out;
  out.start_us = q.start_us;
  out.stop_us = q.stop_us;
  std::map<std::string, size_t> index;
  for (auto i = first; i != rows.end() && out.servers < q.limit; ++i) {
    auto& row = *i;
    // Nova's instance_get_active_by_window_joined.
    if (!q.tenant_id.empty() && row.project_id != q.tenant_id)
      continue;
    if (row.terminated_us != 0 && row.terminated_us <= q.start_us)
      continue;
    if (row.launched_us == 0 || row.launched_us >= q.stop_us)
      continue;
    server_usage u;
    u.instance_id = row.id;
    u.name = row.name;
    u.tenant_id = row.project_id;
    u.flavor = row.flavor_.name;
    u.hours = hours_for(row, q.start_us, q.stop_us);
    u.memory_mb = row.flavor_.ram_mb;
    u.local_gb = row.flavor_.disk_gb + row.flavor_.ephemeral_gb;
    u.vcpus = row.flavor_.vcpus;
    u.started_us = row.launched_us;
    u.ended_us = row.terminated_us;
    u.state = row.terminated_us != 0 ? "terminated" : to_string(row.vm);
    u.uptime_s = ((row.terminated_us != 0 ? row.terminated_us : now)
                  - row.launched_us)
                 / 1000000;
    auto [at, added] = index.emplace(u.tenant_id, out.tenants.size());
    if (added) {
      tenant_usage t;
      t.tenant_id = u.tenant_id;
      t.detailed = q.detailed;
      out.tenants.push_back(std::move(t));
    }
    auto& t = out.tenants[at->second];
    t.total_local_gb_usage += static_cast<double>(u.local_gb) * u.hours;
    t.total_vcpus_usage += static_cast<double>(u.vcpus) * u.hours;
    t.total_memory_mb_usage += static_cast<double>(u.memory_mb) * u.hours;
    t.total_hours += u.hours;
    ++out.servers;
    out.last_id = u.instance_id;
    if (q.detailed)
      t.server_usages.push_back(std::move(u));
  }
  return out;
}

} // namespace vmforge
