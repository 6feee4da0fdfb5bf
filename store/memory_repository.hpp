#pragma once

#include <deque>
#include <iterator>
#include <unordered_map>
#include <vector>

#include "store/instance_repository.hpp"

namespace vmforge {

/// How long deleted rows are kept (Nova keeps them until an operator's
/// nova-manage db archive_deleted_rows; a daemon running for months must
/// not grow without bound): the options [DEFAULT] deleted_retention
/// (hours) and deleted_retention_count (rows), whichever ends first.
struct deleted_retention {
  int64_t max_age_us = int64_t{720} * 3600 * 1000000;
  int64_t max_rows = 10000;
};

class memory_repository : public instance_repository {
public:
  explicit memory_repository(deleted_retention keep = {});

  /// Takes the rows (live and deleted) and actions a database held (at
  /// start, before use).
  void load(std::vector<instance> rows,
            std::vector<std::pair<std::string, action_record>> actions);

  caf::expected<std::vector<instance>>
  create(std::vector<instance> rows, int64_t min_count,
         const quota_limits& limits) override;
  const instance* apply(const instance_update& update) override;
  const instance* set_vifs(const std::string& id,
                           std::vector<vif> vifs) override;
  const instance* remove(const std::string& id) override;
  std::vector<std::pair<std::string, int64_t>> expire(int64_t now) override;
  const instance* edit(const edit_instance& change) override;
  const instance*
  security_group(const change_security_group& req) override;
  project_usage usage(const std::string& project_id) const override;
  caf::expected<task_begun> begin(const begin_task& req) override;
  const instance* lock(const set_locked& req) override;
  caf::expected<instance> metadata(const change_metadata& req) override;
  void record(const record_action& rec) override;
  std::vector<action_record> actions(const std::string& id) const override;
  const action_record* action(const std::string& id,
                              const std::string& request_id) const override;
  const instance* find(const std::string& id) const override;
  const instance* find_deleted(const std::string& id) const override;
  int64_t count(vm_state vm) const override;
  std::vector<instance> list(const list_instances& filter) const override;

private:
  // Keeps a deleted row, in the order of deletion.
  void keep_deleted(instance row);

  deleted_retention keep_;
  std::unordered_map<std::string, instance> rows_;
  /// Deleted rows kept, and their ids oldest deletion first.
  std::unordered_map<std::string, instance> deleted_;
  std::deque<std::string> deleted_order_;
  /// Rows by vm_state, indexed by the enum's value.
  std::vector<int64_t> by_vm_ = std::vector<int64_t>(std::size(all_vm_states));
  int64_t last_db_id_ = 0;
  std::unordered_map<std::string, project_usage> usage_;
  std::unordered_map<std::string, std::vector<action_record>> actions_;
};

} // namespace vmforge
