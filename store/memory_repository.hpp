#pragma once

#include <iterator>
#include <unordered_map>
#include <vector>

#include "store/instance_repository.hpp"

namespace vmforge {

class memory_repository : public instance_repository {
public:
  /// Takes the rows and actions a database held (at start, before use).
  void load(std::vector<instance> rows,
            std::vector<std::pair<std::string, action_record>> actions);

  caf::expected<std::vector<instance>>
  create(std::vector<instance> rows, int64_t min_count,
         const quota_limits& limits) override;
  const instance* apply(const instance_update& update) override;
  const instance* set_vifs(const std::string& id,
                           std::vector<vif> vifs) override;
  bool remove(const std::string& id) override;
  const instance* edit(const edit_instance& change) override;
  project_usage usage(const std::string& project_id) const override;
  caf::expected<task_begun> begin(const begin_task& req) override;
  const instance* lock(const set_locked& req) override;
  caf::expected<instance> metadata(const change_metadata& req) override;
  void record(const record_action& rec) override;
  std::vector<action_record> actions(const std::string& id) const override;
  const action_record* action(const std::string& id,
                              const std::string& request_id) const override;
  const instance* find(const std::string& id) const override;
  int64_t count(vm_state vm) const override;
  std::vector<instance> list(const list_instances& filter) const override;

private:
  std::unordered_map<std::string, instance> rows_;
  /// Rows by vm_state, indexed by the enum's value.
  std::vector<int64_t> by_vm_ = std::vector<int64_t>(std::size(all_vm_states));
  int64_t last_db_id_ = 0;
  std::unordered_map<std::string, project_usage> usage_;
  std::unordered_map<std::string, std::vector<action_record>> actions_;
};

} // namespace vmforge
