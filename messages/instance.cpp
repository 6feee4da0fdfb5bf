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
