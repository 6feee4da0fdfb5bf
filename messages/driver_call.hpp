#pragma once

#include <cstdint>

#include "messages/enum_names.hpp"

// The hypervisor calls a compute host makes for an instance.
namespace vmforge {

enum class driver_call : uint8_t {
  spawn,
  destroy,
  power_on,
  power_off,
  reboot,
  pause,
  unpause,
  suspend,
  resume,
  get_power_state,
  /// Flatten the instance's disk into a qcow2 file (createImage, shelve).
  snapshot,
};

inline const char* to_string(driver_call x) {
  static constexpr const char* names[] = {
    "spawn", "destroy", "power_on", "power_off", "reboot",
    "pause", "unpause", "suspend", "resume", "get_power_state", "snapshot"};
  return enum_name<driver_call::snapshot>(names, x);
}

} // namespace vmforge
