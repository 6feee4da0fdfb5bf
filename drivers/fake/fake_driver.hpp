#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/options.hpp"
#include "drivers/driver.hpp"

namespace vmforge {

/// A hypervisor that keeps domains in memory (as Nova's FakeDriver), and
/// with a state_path also in one small file per domain, so that they
/// outlive the daemon; latency and faults are injected. A spawn needs its
/// image's base file (the host's image cache made it) and records it, as a
/// disk overlay on it would, and its vifs, as DHCP host entries would: the fake exercises the cache as libvirt does. Every fault decision is a function of the
/// seed, the host and the instance id (or the call count on this host), so
/// a run is reproducible whatever order threads call in. A spawn writes a
/// boot log (os-getConsoleOutput reads it) and, if asked, the config drive
/// ISO, in a folder next to the domain's file.
class fake_driver : public driver {
public:
  fake_driver(std::string host, fake_driver_options opts);

  driver_status spawn(const spawn_spec& spec) override;
  driver_status destroy(const std::string& instance_id) override;
  driver_status power_on(const std::string& instance_id) override;
  driver_status power_off(const std::string& instance_id) override;
  driver_status reboot(const std::string& instance_id) override;
  driver_status pause(const std::string& instance_id) override;
  driver_status unpause(const std::string& instance_id) override;
  driver_status suspend(const std::string& instance_id) override;
  driver_status resume(const std::string& instance_id) override;
  /// The guest reboots from the rescue image, and back: running both ways.
  driver_status rescue(const std::string& instance_id) override;
  driver_status unrescue(const std::string& instance_id) override;
  power_state get_power_state(const std::string& instance_id) override;
  /// A real qcow2: the domain's base file converted (the fake guest never
  /// writes to its disk), or a blank 64 MiB one without a base.
  driver_status snapshot(const std::string& instance_id,
                         const std::string& out_file) override;
  /// The boot log its spawn wrote (a guest's first lines: the kernel, the
  /// hostname, the addresses, a login prompt).
  driver_status console_output(const std::string& instance_id,
                               std::string& output) override;
  std::vector<std::string> list_instances() override;
  resources host_capacity() override;
  std::string hypervisor_type() override;
  void shutdown() override;

  /// Driver calls made on this host so far.
  int64_t calls() const;
  /// The base file domain `instance_id` was spawned on (empty: no such
  /// domain).
  std::string base_file(const std::string& instance_id) const;
  /// The interfaces domain `instance_id` was plugged with.
  std::vector<vif> vifs(const std::string& instance_id) const;
  /// What a DHCP server on network `bridge` would answer on this host:
  /// each plugged MAC's address (as the libvirt driver's host entries).
  std::map<std::string, std::string> dhcp_hosts(const std::string& bridge) const;
  /// Where the config drive of `instance_id` is (state_path/<host>/<id>.d/
  /// disk.config, made by the spawn if it asked for one, as libvirt's is);
  /// empty without a state_path: in memory the fake keeps no files, its
  /// boot log included.
  std::string config_drive_path(const std::string& instance_id) const;

private:
  /// Counts a call; throws on the configured Nth one.
  void count_call(const char* what);
  /// A number in [0, 1) fixed by seed, host, instance and purpose.
  double draw(const std::string& instance_id, const char* purpose) const;
  /// Sleeps (interruptibly) for the configured spawn latency.
  /// Returns false if the driver was shut down meanwhile.
  bool wait_latency(const std::string& instance_id);
  driver_status set_power(const std::string& instance_id, power_state state);
  struct domain {
    power_state power = power_state::nostate;
    std::string base_file;
    std::vector<vif> vifs;
    /// In memory only (without a state_path); else in its files folder.
    std::string boot_log;
  };
  /// The folder of a domain's files (config drive, boot log); empty path
  /// without a state_path.
  std::filesystem::path files_of(const std::string& instance_id) const;
  /// Record or drop a domain (in memory and in state_path); mtx_ held.
  void save(const std::string& instance_id, domain d);
  void forget(const std::string& instance_id);

  const std::string host_;
  const fake_driver_options opts_;
  mutable std::mutex mtx_;
  std::condition_variable stopped_;
  bool shut_down_ = false;
  int64_t calls_ = 0;
  std::unordered_map<std::string, domain> domains_;
  std::filesystem::path dir_;
};

} // namespace vmforge
