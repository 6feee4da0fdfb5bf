#include "http/compute/server_list_query.hpp"

#include <algorithm>
#include <ctime>

#include "http/compute/query_schema.hpp"

namespace vmforge::http {

namespace {

// index_query's properties (with the joined-table and pagination ones),
// then what 2.26, 2.66 and 2.73 added.
const std::vector<std::string> v21_params = {
  "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
  "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state",
  "vm_state", "task_state", "host", "node", "flavor", "reservation_id",
  "launched_at", "terminated_at", "availability_zone", "name",
  "display_name", "description", "display_description", "locked_by", "uuid",
  "root_device_name", "config_drive", "access_ip_v4", "access_ip_v6",
  "auto_disk_config", "progress", "sort_key", "sort_dir", "all_tenants",
  "soft_deleted", "deleted", "status", "changes-since", "ip", "ip6",
  "created_at", "block_device_mapping", "services", "metadata",
  "system_metadata", "info_cache", "security_groups", "pci_devices",
  "limit", "marker", "page_size"};

const char* const exact_filters[] = {"user_id", "vm_state", "task_state"};
const char* const regex_filters[] = {
  "availability_zone", "config_drive", "key_name", "created_at",
  "launched_at", "terminated_at", "power_state", "progress"};

// A timestamp column as the database's REGEXP sees it (MySQL's DATETIME
// text); empty for NULL, which no expression matches.
std::string column_time(int64_t us) {
  if (us <= 0)
    return {};
  std::time_t secs = us / 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// The row's column behind each filter, as text.
std::string column(const instance& row, const std::string& name) {
  if (name == "user_id")
    return row.user_id;
  if (name == "vm_state")
    return to_string(row.vm);
  if (name == "task_state")
    return row.task == task_state::none ? "" : to_string(row.task);
  if (name == "availability_zone")
    return row.availability_zone;
  // Nova's instances.config_drive is a string: 'True' or ''.
  if (name == "config_drive")
    return row.config_drive ? "True" : "";
  if (name == "key_name")
    return row.key_name;
  if (name == "created_at")
    return column_time(row.created_us);
  if (name == "launched_at")
    return column_time(row.launched_us);
  if (name == "terminated_at")
    return column_time(row.terminated_us);
  if (name == "power_state")
    return std::to_string(static_cast<int>(row.power));
  // progress: 0 for every instance here (no migrations report any).
  return "0";
}

} // namespace

std::string unknown_server_list_params(const call& c) {
  if (c.version < api_version{2, 75})
    return {};
  auto allowed = v21_params;
  for (auto p : {"tags", "tags-any", "not-tags", "not-tags-any",
                 "changes-before", "locked"})
    allowed.emplace_back(p);
  // patternProperties '^_' (servers.py answers those itself).
  std::vector<std::string> extra;
  for (auto& kv : c.query)
    if (kv.first.rfind('_', 0) != 0
        && std::find(allowed.begin(), allowed.end(), kv.first)
             == allowed.end())
      extra.push_back(kv.first);
  return extra.empty() ? std::string{} : additional_properties(extra);
}

bool server_list_filters::parse(const call& c, std::string& error) {
  // Nova strips a non-admin's filters its version does not allow.
  if (!c.ctx.is_admin && c.version < api_version{2, 83})
    return true;
  for (auto name : exact_filters)
    if (c.has_param(name))
      exact_.emplace_back(name, c.param(name));
  for (auto name : regex_filters) {
    if (!c.has_param(name))
      continue;
    try {
      regex_.emplace_back(name, std::regex{c.param(name)});
    } catch (const std::regex_error&) {
      error = "Invalid regular expression: " + c.param(name);
      return false;
    }
  }
  return true;
}

bool server_list_filters::matches(const instance& row) const {
  for (auto& [name, value] : exact_)
    if (column(row, name) != value)
      return false;
  for (auto& [name, re] : regex_) {
    auto text = column(row, name);
    // An empty column is NULL, which matches no expression, but for
    // config_drive, which Nova keeps as '' when not asked for.
    if (text.empty() && name != "config_drive")
      return false;
    if (!std::regex_search(text, re))
      return false;
  }
  return true;
}

} // namespace vmforge::http
