#include "messages/instance.hpp"

#include <cstdio>

#include <chrono>

#include "messages/enum_names.hpp"

namespace vmforge {

const char* to_string(vm_state x) {
  static constexpr const char* names[] = {
    "building", "active", "stopped", "paused",
    "suspended", "error", "deleted", "soft-delete"};
  return enum_name<vm_state::soft_deleted>(names, x);
}

const char* to_string(task_state x) {
  static constexpr const char* names[] = {
    "none", "scheduling", "networking", "block_device_mapping", "spawning",
    "deleting", "powering-off", "powering-on", "rebooting", "rebooting_hard",
    "pausing", "unpausing", "suspending", "resuming"};
  return enum_name<task_state::resuming>(names, x);
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
