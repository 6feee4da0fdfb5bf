#pragma once

#include <string>

#include <caf/error.hpp>

#include "actors/store/store_actor.hpp"
#include "messages/instance.hpp"

// Nova's @check_instance_lock and @check_instance_state (nova/compute/api.py)
// for what the API asks of a server, in one place: whether a lock refuses
// it, which vm_states allow it and the task state it sets while it runs.
namespace vmforge {

struct server_rule {
  /// As Nova's messages name the action: "stop", "delete".
  const char* name;
  /// @check_instance_lock: a locked server refuses it to non-admins.
  bool check_lock;
  /// @check_instance_state: the vm_state must be in `allowed` and no task
  /// may run. Off: any state will do (vm_state=None, task_state=None).
  bool check_state;
  vm_set allowed;
  /// The task state while it runs (none: it sets no task).
  task_state task;
};

/// The power action of a key of POST /servers/{id}/action ("os-stop",
/// "reboot", ...), `hard` picking the hard reboot; nullptr if it is none.
const server_rule* power_action(const std::string& key, bool hard = false);

/// DELETE /servers/{id}.
extern const server_rule delete_rule;

/// A change of a server's metadata. Nova also checks the state (ACTIVE,
/// PAUSED, SUSPENDED, STOPPED); vmforge never has, and its answers stay.
extern const server_rule metadata_rule;

/// createImage (Nova's API.snapshot): ACTIVE, SHUTOFF, PAUSED or
/// SUSPENDED, no task; a lock does not refuse it (Nova: "lock is intended
/// to prevent accidental change/delete of instances").
extern const server_rule create_image_rule;
/// createBackup (Nova's API.backup): createImage's states, its own name.
extern const server_rule create_backup_rule;

/// The shelve actions by their key in the action body: "shelve",
/// "shelveOffload", "unshelve" (Nova's API.shelve, shelve_offload,
/// unshelve, each with @check_instance_lock); nullptr for any other key.
const server_rule* shelve_action(const std::string& key);

/// os-getConsoleOutput (Nova's API.get_console_output): an instance on no
/// host is InstanceNotReady (@check_instance_host), one being deleted is
/// InstanceInvalidState (@reject_instance_state); any other state may be
/// read, as the driver keeps the log of a stopped guest too.
caf::error check_console(const instance& row);

/// Why `row` refuses `rule` to the caller: InstanceIsLocked or
/// InstanceInvalidState with Nova's message; none if it allows it.
caf::error check(const server_rule& rule, const instance& row, bool is_admin);

/// The store's start of a rule that sets a task on the row `id`: applied
/// only while the row still passes check(), as it may have changed since
/// the API read it.
begin_task begin_of(const server_rule& rule, const std::string& id,
                    bool is_admin);

} // namespace vmforge
