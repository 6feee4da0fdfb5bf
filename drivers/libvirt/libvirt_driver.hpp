#pragma once

#include <memory>
#include <string>
#include <thread>

#include "drivers/driver.hpp"
#include "drivers/libvirt/host_networks.hpp"

typedef struct _virConnect* virConnectPtr;
typedef struct _virDomain* virDomainPtr;
typedef struct _virStoragePool* virStoragePoolPtr;

// The libvirt driver (Nova's nova/virt/libvirt/driver.py, the parts a build
// and the power actions need), through any libvirt URI: test:///default
// (in-process, no daemon), qemu:///system, qemu:///session or a remote one.
namespace vmforge {

struct libvirt_settings {
  /// The compute host this driver serves. Several hosts of an all-in-one
  /// process may share one hypervisor (test:///default is one per
  /// process): each sees only the domains whose metadata names it.
  std::string host;
  std::string uri = "test:///default";
  /// Nova's [DEFAULT] instances_path: the disk pool and the console logs.
  std::string instances_path = "var/instances";
  /// Nova's [libvirt] virt_type as chosen at start (choose_virt_type): kvm,
  /// or qemu (software emulation). Ignored by test:/// URIs.
  std::string virt_type = "kvm";
  /// Under qemu, each guest's TCG translation-block cache in MiB (0:
  /// qemu's default).
  int64_t tcg_tb_cache_mb = 32;
  /// Nova's [DEFAULT] shutdown_timeout: how long a stop waits for the
  /// guest to shut down cleanly before destroying it (0: at once).
  int64_t shutdown_timeout_s = 60;
  /// Told which operation failed on every libvirt error (the metric
  /// vmforge_libvirt_call_errors_total{call}); a fixed set of names.
  std::function<void(const std::string& call)> on_call_error;
};

class libvirt_driver : public driver {
public:
  /// Connects at once; if that fails, the driver keeps trying in the
  /// background (with back-off) and reports the host down meanwhile.
  explicit libvirt_driver(libvirt_settings cfg);
  ~libvirt_driver() override;

  /// Plugs each vif (host_networks) before the domain is defined with an
  /// <interface> on its network; a failure unplugs them again.
  driver_status spawn(const spawn_spec& spec) override;
  /// Also removes the DHCP host entries of the domain's interfaces, read
  /// from its XML (so an orphan's too); the networks stay, the host's.
  driver_status destroy(const std::string& instance_id) override;
  driver_status power_on(const std::string& instance_id) override;
  driver_status power_off(const std::string& instance_id) override;
  driver_status reboot(const std::string& instance_id) override;
  driver_status pause(const std::string& instance_id) override;
  driver_status unpause(const std::string& instance_id) override;
  driver_status suspend(const std::string& instance_id) override;
  driver_status resume(const std::string& instance_id) override;
  /// Not supported (docs/guests.md): a rescue fails, the server stays as
  /// it was.
  driver_status rescue(const std::string& instance_id) override;
  driver_status unrescue(const std::string& instance_id) override;
  power_state get_power_state(const std::string& instance_id) override;
  /// Nova's cold snapshot: a running guest is paused (virDomainSuspend),
  /// its overlay flattened with `qemu-img convert -O qcow2` and the guest
  /// resumed. libvirt's test:/// hypervisor keeps no disk files: there a
  /// blank qcow2 of the volume's size stands for the copy.
  driver_status snapshot(const std::string& instance_id,
                         const std::string& out_file) override;
  /// The serial console's log, instances_path/<uuid>/console.log.
  driver_status console_output(const std::string& instance_id,
                               std::string& output) override;
  std::vector<std::string> list_instances() override;
  resources host_capacity() override;
  /// virConnectGetType of the last connection; before the first one, the
  /// type its URI names.
  std::string hypervisor_type() override;
  void shutdown() override;
  void watch(std::function<void(hypervisor_event)> sink) override;

  /// The domain XML a spawn defines (exposed for tests).
  std::string domain_xml(const spawn_spec& spec, const std::string& disk) const;

  /// Shared with libvirt's callbacks, which may outlive a call into us.
  struct watcher;

private:
  /// A reference to the live connection (closed by its owner), or
  /// nullptr with `why` set: calls fail fast while disconnected.
  virConnectPtr connection(std::string& why);
  /// Opens the connection and registers the callbacks; false if it failed.
  bool connect();
  /// Deregisters the callbacks and drops the connection, saying why.
  void disconnect(const std::string& why);
  /// Reconnects whenever the connection is lost (a thread of its own).
  void monitor();
  /// Runs `call(conn, dom)` on a reference to the live connection and the
  /// instance's domain (nullptr if there is none); while disconnected it
  /// fails at once (retryable).
  template <class F>
  driver_status with_lookup(const std::string& instance_id, F call);
  /// A call on the instance's domain, which must exist; `what` names it.
  template <class F>
  driver_status with_domain(const std::string& instance_id, const char* what,
                            F call);
  bool ours(virDomainPtr dom) const;
  /// Counts a failed libvirt call of operation `call` and returns libvirt's
  /// message for it.
  std::string failed(const char* call) const;
  /// The disk pool at instances_path (created or moved as needed), or
  /// nullptr with `why` set.
  virStoragePoolPtr pool(virConnectPtr conn, std::string& why) const;

  const libvirt_settings cfg_;
  /// The vifs' DHCP host entries on the host's libvirt networks.
  host_networks networks_;
  /// Its mutex also guards the four fields below it.
  std::shared_ptr<watcher> watcher_;
  virConnectPtr conn_ = nullptr;
  int lifecycle_callback_ = -1;
  /// Why the connection is down (empty while connected).
  std::string down_reason_;
  std::string hypervisor_type_;
  std::thread monitor_;
};

} // namespace vmforge
