#include "messages/actions.hpp"

namespace vmforge {

namespace {

using vs = vm_state;

const action_rule rules[] = {
  {"os-stop", "stop", {vs::active, vs::error}, task_state::powering_off,
   driver_call::power_off, vs::stopped},
  {"os-start", "start", {vs::stopped}, task_state::powering_on,
   driver_call::power_on, vs::active},
  // Soft reboots need a running guest; hard ones work from more states.
  {"reboot", "reboot", {vs::active}, task_state::rebooting,
   driver_call::reboot, vs::active},
  {"reboot", "reboot",
   {vs::active, vs::stopped, vs::paused, vs::suspended, vs::error},
   task_state::rebooting_hard, driver_call::reboot, vs::active},
  {"pause", "pause", {vs::active}, task_state::pausing, driver_call::pause,
   vs::paused},
  {"unpause", "unpause", {vs::paused}, task_state::unpausing,
   driver_call::unpause, vs::active},
  {"suspend", "suspend", {vs::active}, task_state::suspending,
   driver_call::suspend, vs::suspended},
  {"resume", "resume", {vs::suspended}, task_state::resuming,
   driver_call::resume, vs::active},
  {"restore", "restore", {vs::soft_deleted}, task_state::powering_on,
   driver_call::power_on, vs::active},
};

} // namespace

const action_rule* find_action(const std::string& key, bool hard) {
  for (auto& r : rules) {
    if (key != r.key)
      continue;
    if (r.call == driver_call::reboot
        && hard != (r.task == task_state::rebooting_hard))
      continue;
    return &r;
  }
  return nullptr;
}

const action_rule* action_for_task(task_state task) {
  for (auto& r : rules)
    if (r.task == task)
      return &r;
  return nullptr;
}

task_set tasks_of(driver_call call) {
  task_set out;
  for (auto& r : rules)
    if (r.call == call)
      out = out.with(r.task);
  return out;
}

vm_state result_of(driver_call call) {
  for (auto& r : rules)
    if (r.call == call)
      return r.result;
  return vm_state::active;
}

} // namespace vmforge
