#pragma once

#include <cstdint>

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
};

inline const char* to_string(driver_call x) {
  switch (x) {
    case driver_call::spawn:
      return "spawn";
    case driver_call::destroy:
      return "destroy";
    case driver_call::power_on:
      return "power_on";
    case driver_call::power_off:
      return "power_off";
    case driver_call::reboot:
      return "reboot";
    case driver_call::pause:
      return "pause";
    case driver_call::unpause:
      return "unpause";
    case driver_call::suspend:
      return "suspend";
    case driver_call::resume:
      return "resume";
    case driver_call::get_power_state:
      return "get_power_state";
  }
  return "unknown";
}

} // namespace vmforge
