#include "messages/instance.hpp"

#include <cstdio>

#include <chrono>

#include "messages/enum_names.hpp"

namespace vmforge {

const char* to_string(vm_state x) {
  static constexpr const char* names[] = {
    "building", "active", "stopped", "paused",
    "suspended", "error", "deleted", "soft-delete",
    "shelved", "shelved_offloaded", "rescued"};
  return enum_name<vm_state::rescued>(names, x);
}

const char* to_string(task_state x) {
  static constexpr const char* names[] = {
    "none", "scheduling", "networking", "block_device_mapping", "spawning",
    "deleting", "powering-off", "powering-on", "rebooting", "rebooting_hard",
    "pausing", "unpausing", "suspending", "resuming",
    "image_snapshot_pending", "image_snapshot", "image_pending_upload",
    "image_uploading", "shelving", "shelving_image_pending_upload",
    "shelving_image_uploading", "shelving_offloading", "unshelving",
    "rescuing", "unrescuing"};
  return enum_name<task_state::unrescuing>(names, x);
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
