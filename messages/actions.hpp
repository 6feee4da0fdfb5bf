#pragma once

#include <optional>

#include "messages/driver_call.hpp"
#include "messages/instance.hpp"

// What a power action's driver call means for the instance row, for the
// hosts that run it and the recovery that runs it again: the task states
// its completion follows and the vm_state after it. Which states allow an
// action, and which task it sets, is the API's (actors/api/server_rules).
namespace vmforge {

/// The task states a driver call's completion may follow.
task_set tasks_of(driver_call call);

/// The vm_state after a driver call succeeded.
vm_state result_of(driver_call call);

/// The driver call of the power action in progress while the task state is
/// `task`; none for tasks that are no power action.
std::optional<driver_call> call_of(task_state task);

} // namespace vmforge
