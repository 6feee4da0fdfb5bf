#include "store/memory_repository.hpp"

#include <algorithm>
#include <limits>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

struct quota_line {
  const char* name;
  int64_t limit;
  int64_t used;
  int64_t per_instance;
};

// How many more instances fit under one limit (unlimited: a huge number).
int64_t headroom(const quota_line& q) {
  if (q.limit < 0 || q.per_instance <= 0)
    return std::numeric_limits<int64_t>::max();
  return std::max<int64_t>(0, (q.limit - q.used) / q.per_instance);
}

} // namespace

memory_repository::memory_repository(deleted_retention keep) : keep_(keep) {
  // nop
}

void memory_repository::load(
  std::vector<instance> rows,
  std::vector<std::pair<std::string, action_record>> actions) {
  std::vector<instance> deleted;
  for (auto& row : rows) {
    last_db_id_ = std::max(last_db_id_, row.db_id);
    if (row.terminated_us != 0) {
      deleted.push_back(std::move(row));
      continue;
    }
    auto& use = usage_[row.project_id];
    use.instances += 1;
    use.cores += row.flavor_.vcpus;
    use.ram_mb += row.flavor_.ram_mb;
    ++by_vm_[static_cast<size_t>(row.vm)];
    auto id = row.id;
    rows_.emplace(std::move(id), std::move(row));
  }
  std::sort(deleted.begin(), deleted.end(),
            [](const instance& x, const instance& y) {
              return x.terminated_us < y.terminated_us;
            });
  for (auto& row : deleted)
    keep_deleted(std::move(row));
  for (auto& kv : actions)
    if (rows_.count(kv.first) != 0 || deleted_.count(kv.first) != 0)
      actions_[kv.first].push_back(std::move(kv.second));
}

void memory_repository::keep_deleted(instance row) {
  auto id = row.id;
  deleted_order_.push_back(id);
  deleted_.emplace(std::move(id), std::move(row));
}

caf::expected<std::vector<instance>>
memory_repository::create(std::vector<instance> rows, int64_t min_count,
                          const quota_limits& limits) {
  if (rows.empty())
    return rows;
  auto& use = usage_[rows.front().project_id];
  auto& fl = rows.front().flavor_;
  // Sorted by name, as Nova sorts the resources it reports as over quota.
  quota_line lines[] = {
    {"cores", limits.cores, use.cores, fl.vcpus},
    {"instances", limits.instances, use.instances, 1},
    {"ram", limits.ram_mb, use.ram_mb, fl.ram_mb},
  };
  auto allowed = static_cast<int64_t>(rows.size());
  for (auto& q : lines)
    allowed = std::min(allowed, headroom(q));
  if (allowed < min_count) {
    std::string overs;
    const quota_line* first = nullptr;
    for (auto& q : lines) {
      if (headroom(q) >= min_count)
        continue;
      if (!first)
        first = &q;
      overs += (overs.empty() ? "" : ", ") + std::string{q.name};
    }
    return nova_error(errc::over_quota, overs,
                      first->per_instance * min_count, first->used,
                      first->limit, overs);
  }
  rows.resize(static_cast<size_t>(allowed));
  for (auto& row : rows) {
    row.db_id = ++last_db_id_;
    use.instances += 1;
    use.cores += row.flavor_.vcpus;
    use.ram_mb += row.flavor_.ram_mb;
    ++by_vm_[static_cast<size_t>(row.vm)];
    rows_.emplace(row.id, row);
  }
  return rows;
}

const instance* memory_repository::apply(const instance_update& update) {
  auto i = rows_.find(update.id);
  if (i == rows_.end())
    return nullptr;
  auto& row = i->second;
  if (!update.expected.contains(row.task))
    return nullptr;
  if (update.set_vm) {
    --by_vm_[static_cast<size_t>(row.vm)];
    ++by_vm_[static_cast<size_t>(update.vm)];
    row.vm = update.vm;
  }
  row.task = update.task;
  if (update.set_host)
    row.host = update.host;
  if (update.set_power)
    row.power = update.power;
  if (update.set_fault) {
    row.has_fault = true;
    row.fault_ = update.fault_;
  }
  for (auto& kv : update.system_metadata)
    row.system_metadata[kv.first] = kv.second;
  for (auto& key : update.drop_system_metadata)
    row.system_metadata.erase(key);
  if (update.set_zone)
    row.availability_zone = update.zone;
  row.updated_us = now_us();
  if (update.set_launched)
    row.launched_us = row.updated_us;
  return &row;
}

const instance* memory_repository::set_vifs(const std::string& id,
                                            std::vector<vif> vifs) {
  auto i = rows_.find(id);
  if (i == rows_.end())
    return nullptr;
  i->second.vifs = std::move(vifs);
  i->second.updated_us = now_us();
  return &i->second;
}

const instance* memory_repository::remove(const std::string& id) {
  auto i = rows_.find(id);
  if (i == rows_.end())
    return nullptr;
  auto row = std::move(i->second);
  rows_.erase(i);
  auto& use = usage_[row.project_id];
  use.instances -= 1;
  use.cores -= row.flavor_.vcpus;
  use.ram_mb -= row.flavor_.ram_mb;
  --by_vm_[static_cast<size_t>(row.vm)];
  // As Nova's _delete_instance leaves the row: DELETED, no task, no power,
  // terminated now; its interfaces are freed.
  row.vm = vm_state::deleted;
  row.task = task_state::none;
  row.power = power_state::nostate;
  row.vifs.clear();
  row.updated_us = now_us();
  row.terminated_us = row.updated_us;
  keep_deleted(std::move(row));
  return &deleted_.at(id);
}

std::vector<std::pair<std::string, int64_t>>
memory_repository::expire(int64_t now) {
  std::vector<std::pair<std::string, int64_t>> out;
  while (!deleted_order_.empty()) {
    auto i = deleted_.find(deleted_order_.front());
    auto too_many = static_cast<int64_t>(deleted_order_.size()) > keep_.max_rows;
    if (!too_many && now - i->second.terminated_us < keep_.max_age_us)
      break;
    out.emplace_back(i->first, i->second.db_id);
    actions_.erase(i->first);
    deleted_.erase(i);
    deleted_order_.pop_front();
  }
  return out;
}

const instance* memory_repository::edit(const edit_instance& change) {
  auto i = rows_.find(change.id);
  if (i == rows_.end())
    return nullptr;
  auto& row = i->second;
  if (change.set_name)
    row.name = change.name;
  if (change.set_access_ipv4)
    row.access_ipv4 = change.access_ipv4;
  if (change.set_access_ipv6)
    row.access_ipv6 = change.access_ipv6;
  if (change.set_description) {
    row.has_description = change.has_description;
    row.description = change.description;
  }
  if (change.set_hostname)
    row.hostname = change.hostname;
  if (change.set_tags)
    row.tags = change.tags;
  if (change.set_disk_config)
    row.disk_config = change.disk_config;
  auto& prefix = change.drop_system_metadata_prefix;
  if (!prefix.empty())
    for (auto i = row.system_metadata.begin(); i != row.system_metadata.end();)
      i = i->first.compare(0, prefix.size(), prefix) == 0
            ? row.system_metadata.erase(i)
            : std::next(i);
  row.updated_us = now_us();
  return &row;
}

const instance*
memory_repository::security_group(const change_security_group& req) {
  auto i = rows_.find(req.id);
  if (i == rows_.end())
    return nullptr;
  auto& groups = i->second.security_groups;
  auto at = std::find(groups.begin(), groups.end(), req.name);
  if (req.add && at == groups.end())
    groups.push_back(req.name);
  else if (!req.add && at != groups.end())
    groups.erase(at);
  i->second.updated_us = now_us();
  return &i->second;
}

caf::expected<task_begun> memory_repository::begin(const begin_task& req) {
  auto i = rows_.find(req.id);
  if (i == rows_.end())
    return nova_error(errc::instance_not_found, req.id);
  auto& row = i->second;
  if (!req.vm.contains(row.vm) || !req.expected.contains(row.task)
      || (req.unlocked && row.locked))
    return task_begun{false, row};
  row.task = req.task;
  row.updated_us = now_us();
  return task_begun{true, row};
}

const instance* memory_repository::lock(const set_locked& req) {
  auto i = rows_.find(req.id);
  if (i == rows_.end())
    return nullptr;
  i->second.locked = req.locked;
  i->second.locked_reason = req.locked ? req.reason : std::string{};
  i->second.updated_us = now_us();
  return &i->second;
}

caf::expected<instance>
memory_repository::metadata(const change_metadata& req) {
  auto i = rows_.find(req.id);
  if (i == rows_.end())
    return nova_error(errc::instance_not_found, req.id);
  auto& row = i->second;
  if (!req.remove_key.empty()) {
    if (row.metadata.erase(req.remove_key) == 0)
      return nova_error(errc::metadata_item_not_found);
  } else {
    auto next = req.replace ? req.items : row.metadata;
    if (!req.replace)
      for (auto& kv : req.items)
        next[kv.first] = kv.second;
    if (req.limit >= 0 && static_cast<int64_t>(next.size()) > req.limit)
      return nova_error(errc::over_quota, "metadata_items", next.size(), 0,
                        req.limit, "metadata_items");
    row.metadata = std::move(next);
  }
  row.updated_us = now_us();
  return row;
}

void memory_repository::record(const record_action& rec) {
  // A delete's last events may land after its row left the live ones.
  if (rows_.count(rec.instance_id) == 0
      && deleted_.count(rec.instance_id) == 0)
    return;
  if (!rec.is_event) {
    actions_[rec.instance_id].push_back(rec.action);
    return;
  }
  // action() only finds; the record is ours to change.
  if (auto a = action(rec.instance_id, rec.action.request_id))
    const_cast<action_record*>(a)->events.push_back(rec.event);
}

std::vector<action_record>
memory_repository::actions(const std::string& id) const {
  auto i = actions_.find(id);
  return i == actions_.end() ? std::vector<action_record>{} : i->second;
}

const action_record*
memory_repository::action(const std::string& id,
                          const std::string& request_id) const {
  auto i = actions_.find(id);
  if (i == actions_.end())
    return nullptr;
  // The latest first: events are recorded for recent actions.
  for (auto a = i->second.rbegin(); a != i->second.rend(); ++a)
    if (a->request_id == request_id)
      return &*a;
  return nullptr;
}

project_usage memory_repository::usage(const std::string& project_id) const {
  auto i = usage_.find(project_id);
  return i == usage_.end() ? project_usage{} : i->second;
}

const instance* memory_repository::find(const std::string& id) const {
  auto i = rows_.find(id);
  return i == rows_.end() ? nullptr : &i->second;
}

const instance* memory_repository::find_deleted(const std::string& id) const {
  auto i = deleted_.find(id);
  return i == deleted_.end() ? nullptr : &i->second;
}

int64_t memory_repository::count(vm_state vm) const {
  return by_vm_[static_cast<size_t>(vm)];
}

std::vector<instance>
memory_repository::list(const list_instances& filter) const {
  std::vector<instance> out;
  auto pick = [&](const std::unordered_map<std::string, instance>& rows) {
    for (auto& kv : rows) {
      auto& row = kv.second;
      if (!filter.project_id.empty() && row.project_id != filter.project_id)
        continue;
      if (!filter.host.empty() && row.host != filter.host)
        continue;
      out.push_back(row);
    }
  };
  if (!filter.only_deleted)
    pick(rows_);
  if (filter.only_deleted || filter.with_deleted)
    pick(deleted_);
  std::sort(out.begin(), out.end(), [](const instance& x, const instance& y) {
    return x.created_us != y.created_us ? x.created_us > y.created_us
                                        : x.id < y.id;
  });
  return out;
}

} // namespace vmforge
