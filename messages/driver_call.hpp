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
  /// Read the guest's console log (os-getConsoleOutput).
  console_output,
  /// Boot the guest in rescue mode, and back (rescue, unrescue).
  rescue,
  unrescue,
};

inline const char* to_string(driver_call x) {
  static constexpr const char* names[] = {
    "spawn", "destroy", "power_on", "power_off", "reboot",
    "pause", "unpause", "suspend", "resume", "get_power_state", "snapshot",
    "console_output", "rescue", "unrescue"};
  return enum_name<driver_call::unrescue>(names, x);
}

} // namespace vmforge
