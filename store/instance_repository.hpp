#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/store/store_actor.hpp"
#include "messages/instance.hpp"

namespace vmforge {

/// Where instance rows live while the daemon runs (and what answers every
/// read). Only the instance store actor holds one, so implementations need
/// no locking; durability is the store writer's (store/writer.hpp).
class instance_repository {
public:
  virtual ~instance_repository() = default;

  /// Inserts as many of `rows` as the project's quota allows, but at least
  /// `min_count` (all rows share one project); else errc::over_quota
  /// with Nova's "Quota exceeded for ..." message.
  virtual caf::expected<std::vector<instance>>
  create(std::vector<instance> rows, int64_t min_count,
         const quota_limits& limits)
    = 0;

  /// Applies the update if the row exists and its task_state is expected;
  /// returns the row as it now is, or nullptr if nothing changed.
  virtual const instance* apply(const instance_update& update) = 0;

  /// Sets the row's network info cache; nullptr if there is no row.
  virtual const instance* set_vifs(const std::string& id,
                                   std::vector<vif> vifs)
    = 0;

  /// Deletes the row: it frees its quota usage and leaves the live rows,
  /// and is kept DELETED with its terminated_at (and its actions) until
  /// expire() drops it. Answers the kept row, nullptr if there was none.
  virtual const instance* remove(const std::string& id) = 0;

  /// The deleted rows past their retention, dropped now: (id, db_id) of
  /// each, for the database to drop too.
  virtual std::vector<std::pair<std::string, int64_t>> expire(int64_t now)
    = 0;

  /// Applies a change of user-set fields; nullptr if there is no row.
  virtual const instance* edit(const edit_instance& change) = 0;

  /// See change_security_group; nullptr if there is no row.
  virtual const instance* security_group(const change_security_group& req)
    = 0;

  /// See begin_task: sets the task if the row passes its guard, in one
  /// step; errc::instance_not_found if there is no row.
  virtual caf::expected<task_begun> begin(const begin_task& req) = 0;

  virtual const instance* lock(const set_locked& req) = 0;

  /// See change_metadata.
  virtual caf::expected<instance> metadata(const change_metadata& req) = 0;

  /// Starts an action or adds an event to one (see record_action).
  virtual void record(const record_action& rec) = 0;

  virtual std::vector<action_record> actions(const std::string& id) const = 0;

  /// One action of the instance; nullptr if there is none.
  virtual const action_record* action(const std::string& id,
                                      const std::string& request_id) const
    = 0;

  virtual project_usage usage(const std::string& project_id) const = 0;

  /// A live row; nullptr if there is none.
  virtual const instance* find(const std::string& id) const = 0;

  /// A deleted row still kept; nullptr if there is none.
  virtual const instance* find_deleted(const std::string& id) const = 0;

  /// Instances in `vm` now (the metrics' vmforge_instances).
  virtual int64_t count(vm_state vm) const = 0;

  virtual std::vector<instance> list(const list_instances& filter) const = 0;
};

} // namespace vmforge
