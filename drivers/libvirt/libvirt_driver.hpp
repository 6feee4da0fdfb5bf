#pragma once

#include <mutex>
#include <string>

#include "drivers/driver.hpp"

typedef struct _virConnect* virConnectPtr;
typedef struct _virDomain* virDomainPtr;

// The libvirt driver (Nova's nova/virt/libvirt/driver.py, the parts a build
// and the power actions need), through any libvirt URI: test:///default
// (in-process, no daemon), qemu:///system, qemu:///session or a remote one.
namespace vmforge {

class libvirt_driver : public driver {
public:
  /// `host`: the compute host this driver serves. Several hosts of an
  /// all-in-one process may share one hypervisor (test:///default is one
  /// per process): each sees only the domains whose metadata names it.
  /// `instances_path`: Nova's [DEFAULT] instances_path, for the disk pool
  /// and the console logs.
  libvirt_driver(std::string host, std::string uri, std::string instances_path);
  ~libvirt_driver() override;

  driver_status spawn(const spawn_spec& spec) override;
  driver_status destroy(const std::string& instance_id) override;
  driver_status power_on(const std::string& instance_id) override;
  driver_status power_off(const std::string& instance_id) override;
  driver_status reboot(const std::string& instance_id) override;
  driver_status pause(const std::string& instance_id) override;
  driver_status unpause(const std::string& instance_id) override;
  driver_status suspend(const std::string& instance_id) override;
  driver_status resume(const std::string& instance_id) override;
  power_state get_power_state(const std::string& instance_id) override;
  std::vector<std::string> list_instances() override;
  resources host_capacity() override;
  void shutdown() override;

  /// The domain XML a spawn defines (exposed for tests).
  std::string domain_xml(const spawn_spec& spec, const std::string& disk) const;

private:
  /// The connection, opened (again) if needed; nullptr with `why` set.
  virConnectPtr connection(std::string& why);
  /// Runs `call` on the instance's domain; a missing domain is an error.
  template <class F>
  driver_status with_domain(const std::string& instance_id, const char* what,
                            F call);
  bool ours(virDomainPtr dom) const;

  const std::string host_;
  const std::string uri_;
  const std::string instances_path_;
  std::mutex mtx_;
  virConnectPtr conn_ = nullptr;
  bool shut_down_ = false;
};

} // namespace vmforge
