#include "messages/instance.hpp"

#include <cstdio>

#include <chrono>

namespace vmforge {

const char* to_string(vm_state x) {
  switch (x) {
    case vm_state::building:
      return "building";
    case vm_state::active:
      return "active";
    case vm_state::stopped:
      return "stopped";
    case vm_state::paused:
      return "paused";
    case vm_state::suspended:
      return "suspended";
    case vm_state::error:
      return "error";
    case vm_state::deleted:
      return "deleted";
    case vm_state::soft_deleted:
      return "soft-delete";
  }
  return "unknown";
}

const char* to_string(task_state x) {
  switch (x) {
    case task_state::none:
      return "none";
    case task_state::scheduling:
      return "scheduling";
    case task_state::networking:
      return "networking";
    case task_state::block_device_mapping:
      return "block_device_mapping";
    case task_state::spawning:
      return "spawning";
    case task_state::deleting:
      return "deleting";
    case task_state::powering_off:
      return "powering-off";
    case task_state::powering_on:
      return "powering-on";
    case task_state::rebooting:
      return "rebooting";
    case task_state::rebooting_hard:
      return "rebooting_hard";
    case task_state::pausing:
      return "pausing";
    case task_state::unpausing:
      return "unpausing";
    case task_state::suspending:
      return "suspending";
    case task_state::resuming:
      return "resuming";
  }
  return "unknown";
}

std::string derive_status(vm_state vm, task_state task) {
  switch (vm) {
    case vm_state::building:
      return "BUILD";
    case vm_state::active:
      if (task == task_state::rebooting)
        return "REBOOT";
      if (task == task_state::rebooting_hard)
        return "HARD_REBOOT";
      return "ACTIVE";
    case vm_state::stopped:
      return "SHUTOFF";
    case vm_state::paused:
      return "PAUSED";
    case vm_state::suspended:
      return "SUSPENDED";
    case vm_state::error:
      return "ERROR";
    case vm_state::deleted:
      return "DELETED";
    case vm_state::soft_deleted:
      return "SOFT_DELETED";
  }
  return "UNKNOWN";
}

std::string instance_name(int64_t db_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "instance-%08llx",
                static_cast<unsigned long long>(db_id));
  return buf;
}

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace vmforge
