#pragma once

#include <string>

#include "messages/driver_call.hpp"
#include "messages/instance.hpp"

// The power actions of POST /servers/{id}/action with Nova's state rules
// (nova/compute/api.py check_instance_state): which vm_states allow each,
// the task_state while it runs, the driver call, and the vm_state after.
namespace vmforge {

struct action_rule {
  const char* key;    // the action's key in the request body
  const char* name;   // as Nova's messages name it
  vm_set allowed;
  task_state task;
  driver_call call;
  vm_state result;
};

/// The rule for an action key ("os-stop", "reboot", ...); `hard` picks the
/// hard reboot. nullptr if the key is no power action.
const action_rule* find_action(const std::string& key, bool hard = false);

/// The rule whose task state `task` is (an action in progress); nullptr
/// for tasks that are no power action.
const action_rule* action_for_task(task_state task);

/// The task states a driver call's completion may follow.
task_set tasks_of(driver_call call);

/// The vm_state after a driver call succeeded.
vm_state result_of(driver_call call);

} // namespace vmforge
