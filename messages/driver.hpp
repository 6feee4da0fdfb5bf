#pragma once

#include <cstdint>
#include <string>

#include "messages/instance.hpp"

// Compute manager <-> driver worker: one blocking hypervisor call each.
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

struct driver_op {
  driver_call call = driver_call::spawn;
  std::string instance_id;
  /// The hypervisor's name for it (instance-%08x); spawn only, as below.
  std::string instance_name;
  flavor flavor_;
  image image_;
  std::string display_name;
  std::string project_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, driver_op& x) {
  return f(caf::meta::type_name("driver_op"), x.call, x.instance_id,
           x.instance_name, x.flavor_, x.image_, x.display_name, x.project_id);
}

struct driver_reply {
  driver_call call = driver_call::spawn;
  std::string instance_id;
  bool ok = false;
  bool retryable = false;
  std::string reason;
  power_state power = power_state::nostate;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, driver_reply& x) {
  return f(caf::meta::type_name("driver_reply"), x.call, x.instance_id, x.ok,
           x.retryable, x.reason, x.power);
}

/// What a hypervisor tells on its own, outside any call (Nova's virt
/// events and libvirt's connection callbacks): a guest's power state
/// changed (the compute manager reads the new one from the driver), or
/// the connection to the hypervisor was lost or is back.
enum class hypervisor_event_kind : uint8_t {
  lifecycle,
  disconnected,
  connected,
};

struct hypervisor_event {
  hypervisor_event_kind kind = hypervisor_event_kind::lifecycle;
  /// lifecycle only.
  std::string instance_id;
  /// disconnected only: why, in the hypervisor's words.
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hypervisor_event& x) {
  return f(caf::meta::type_name("hypervisor_event"), x.kind, x.instance_id,
           x.reason);
}

} // namespace vmforge
