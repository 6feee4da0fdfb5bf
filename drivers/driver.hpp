#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/guest.hpp"
#include "messages/instance.hpp"

// The hypervisor interface (Nova's nova/virt/driver.py ComputeDriver).
// Every call may block: callers run it on a driver worker, never on an
// actor scheduler thread. Implementations must be safe to call from several
// worker threads at once.
namespace vmforge {

/// The outcome of one driver call. `retryable` follows Nova's split between
/// RescheduledException (another host may succeed) and BuildAbortException.
struct driver_status {
  bool ok = true;
  bool retryable = false;
  std::string reason;

  static driver_status success() {
    return {};
  }
  static driver_status failure(std::string why, bool retry) {
    return {false, retry, std::move(why)};
  }
};

struct spawn_spec {
  std::string instance_id;
  /// instance-%08x of instances.id, as Nova's instance_name_template.
  std::string instance_name;
  flavor flavor_;
  image image_;
  /// For the domain's metadata.
  std::string display_name;
  std::string project_id;
  /// The image's base file in the host's image cache
  /// (instances_path/_base/<sha1 of the image id>), which the instance's
  /// disk is an overlay on, and its format (qcow2 or raw).
  std::string base_file;
  std::string base_format = "qcow2";
  /// The interfaces allocated at `networking` (plugged by the driver: a
  /// DHCP host entry on the host's network for each, then the domain's
  /// <interface>).
  std::vector<vif> vifs;
  /// The config drive's contents (made when guest.config_drive is set).
  guest_data guest;
  std::string availability_zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spawn_spec& x) {
  return f(caf::meta::type_name("spawn_spec"), x.instance_id, x.instance_name,
           x.flavor_, x.image_, x.display_name, x.project_id, x.base_file,
           x.base_format, x.vifs, x.guest, x.availability_zone);
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

class driver {
public:
  virtual ~driver() = default;

  /// Creates and starts the domain; on failure leaves nothing behind.
  virtual driver_status spawn(const spawn_spec& spec) = 0;
  /// Stops and removes the domain; destroying an unknown one succeeds.
  virtual driver_status destroy(const std::string& instance_id) = 0;
  virtual driver_status power_on(const std::string& instance_id) = 0;
  virtual driver_status power_off(const std::string& instance_id) = 0;
  virtual driver_status reboot(const std::string& instance_id) = 0;
  virtual driver_status pause(const std::string& instance_id) = 0;
  virtual driver_status unpause(const std::string& instance_id) = 0;
  virtual driver_status suspend(const std::string& instance_id) = 0;
  virtual driver_status resume(const std::string& instance_id) = 0;
  /// Boots the guest from a rescue image with its own disk attached
  /// (Nova's rescue), and back to its own disk (unrescue).
  virtual driver_status rescue(const std::string& instance_id) = 0;
  virtual driver_status unrescue(const std::string& instance_id) = 0;
  virtual power_state get_power_state(const std::string& instance_id) = 0;
  /// Flattens the instance's disk into the standalone qcow2 file
  /// `out_file` (no backing file), as Nova's libvirt driver extracts a
  /// snapshot: a running guest is paused for the copy and resumed after
  /// (Nova's cold snapshot). On failure nothing is left at `out_file`.
  virtual driver_status snapshot(const std::string& instance_id,
                                 const std::string& out_file) = 0;
  /// The tail of the guest's console log (at most max_console_bytes of
  /// drivers/console_log.hpp, as Nova's libvirt driver reads it) into
  /// `output`; empty if the guest wrote nothing yet. An unknown domain is
  /// a failure.
  virtual driver_status console_output(const std::string& instance_id,
                                       std::string& output) = 0;
  /// Instance ids with a domain on this host.
  virtual std::vector<std::string> list_instances() = 0;
  /// What the host offers (before allocation ratios).
  virtual resources host_capacity() = 0;
  /// What os-hypervisors calls the hypervisor, as Nova's drivers name it:
  /// "fake", or libvirt's connection type ("QEMU", "TEST"). Never blocks:
  /// the compute manager asks on its own thread for every host report.
  virtual std::string hypervisor_type() = 0;
  /// Unblocks calls still in progress and refuses new ones (daemon stop).
  virtual void shutdown() = 0;
  /// Events from now on go to `sink` (replacing the previous one), called
  /// on a thread of the driver's; a driver that is disconnected says so at
  /// once. Drivers without events (the fake one) never call it.
  virtual void watch(std::function<void(hypervisor_event)>) {}
};

using driver_ptr = std::shared_ptr<driver>;

} // namespace vmforge
