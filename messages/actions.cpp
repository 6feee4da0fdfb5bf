#include "messages/actions.hpp"

namespace vmforge {

namespace {

struct call_rule {
  driver_call call;
  task_set tasks;
  vm_state result;
};

using ts = task_state;
using vs = vm_state;

const call_rule rules[] = {
  {driver_call::power_off, {ts::powering_off}, vs::stopped},
  {driver_call::power_on, {ts::powering_on}, vs::active},
  {driver_call::reboot, {ts::rebooting, ts::rebooting_hard}, vs::active},
  {driver_call::pause, {ts::pausing}, vs::paused},
  {driver_call::unpause, {ts::unpausing}, vs::active},
  {driver_call::suspend, {ts::suspending}, vs::suspended},
  {driver_call::resume, {ts::resuming}, vs::active},
  {driver_call::rescue, {ts::rescuing}, vs::rescued},
  {driver_call::unrescue, {ts::unrescuing}, vs::active},
};

const call_rule* find(driver_call call) {
  for (auto& r : rules)
    if (r.call == call)
      return &r;
  return nullptr;
}

} // namespace

task_set tasks_of(driver_call call) {
  auto r = find(call);
  return r ? r->tasks : task_set{};
}

vm_state result_of(driver_call call) {
  auto r = find(call);
  return r ? r->result : vm_state::active;
}

std::optional<driver_call> call_of(task_state task) {
  for (auto& r : rules)
    if (r.tasks.contains(task))
      return r.call;
  return std::nullopt;
}

} // namespace vmforge
