#include "drivers/fake/fake_driver.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "drivers/config_drive.hpp"
#include "drivers/config_drive_iso.hpp"
#include "drivers/console_log.hpp"
#include "util/process.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

bool listed(const std::vector<std::string>& hosts, const std::string& host) {
  return std::find(hosts.begin(), hosts.end(), host) != hosts.end();
}

driver_status not_found(const std::string& instance_id) {
  return driver_status::failure("Instance " + instance_id + " could not be found.",
                                false);
}

// What a small Linux guest prints on its serial console up to its login
// prompt, with this instance's hostname and addresses.
std::string boot_log(const spawn_spec& spec) {
  auto host = sanitize_hostname(spec.display_name, "Server-" + spec.instance_id);
  std::string out = "[    0.000000] Linux version 6.1.0-fake-amd64 (vmforge fake "
                    "driver)\n[    0.000000] Command line: console=ttyS0\n";
  for (size_t i = 0; i < spec.vifs.size(); ++i) {
    auto& v = spec.vifs[i];
    out += "[    1.250000] eth" + std::to_string(i) + ": " + v.mac + " "
           + v.address + " (" + v.net.label + ")\n";
  }
  if (spec.guest.config_drive)
    out += "[    1.500000] config drive config-2 found\n";
  out += "\nDebian GNU/Linux 12 " + host + " ttyS0\n\n" + host + " login: \n";
  return out;
}

} // namespace

fake_driver::fake_driver(std::string host, fake_driver_options opts)
  : host_(std::move(host)), opts_(std::move(opts)) {
  if (opts_.state_path.empty())
    return;
  // The domains a previous process left, as a hypervisor keeps running
  // guests while its compute service restarts.
  dir_ = std::filesystem::path(opts_.state_path) / host_;
  std::filesystem::create_directories(dir_);
  for (auto& entry : std::filesystem::directory_iterator(dir_)) {
    if (!entry.is_regular_file())
      continue; // a domain's files folder
    if (entry.path().extension() == ".tmp") {
      // A write the previous process did not finish: the old state stands.
      std::filesystem::remove(entry.path());
      continue;
    }
    // Its power state, then the base file it was spawned on, then a line
    // per vif (files of older versions have only the state, or no vifs).
    std::ifstream in{entry.path()};
    int state = 0;
    if (!(in >> state))
      continue;
    domain d;
    d.power = static_cast<power_state>(state);
    in >> std::ws;
    std::getline(in, d.base_file);
    for (vif v; in >> v.id >> v.net.bridge >> v.mac >> v.address;)
      d.vifs.push_back(v);
    domains_[entry.path().filename().string()] = std::move(d);
  }
}

void fake_driver::save(const std::string& instance_id, domain d) {
  if (dir_.empty()) {
    domains_[instance_id] = std::move(d);
    return;
  }
  // Written whole to a temporary name, then renamed: a kill mid-write
  // leaves the old state or the new one, never a torn file.
  auto file = dir_ / instance_id;
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out{tmp};
    out << static_cast<int>(d.power) << '\n' << d.base_file << '\n';
    for (auto& v : d.vifs)
      out << v.id << ' ' << v.net.bridge << ' ' << v.mac << ' ' << v.address
          << '\n';
  }
  std::filesystem::rename(tmp, file);
  domains_[instance_id] = std::move(d);
}

void fake_driver::forget(const std::string& instance_id) {
  domains_.erase(instance_id);
  if (dir_.empty())
    return;
  std::error_code ec;
  std::filesystem::remove(dir_ / instance_id, ec);
  std::filesystem::remove_all(files_of(instance_id), ec);
}

std::filesystem::path fake_driver::files_of(const std::string& instance_id) const {
  if (dir_.empty())
    return {};
  return dir_ / (instance_id + ".d");
}

std::string fake_driver::config_drive_path(const std::string& instance_id) const {
  auto dir = files_of(instance_id);
  return dir.empty() ? std::string{} : (dir / "disk.config").string();
}

void fake_driver::count_call(const char* what) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (++calls_ == opts_.throw_on_nth_call)
    throw std::runtime_error(std::string{"fake driver: injected exception in "}
                             + what + " (call " + std::to_string(calls_)
                             + " on " + host_ + ")");
}

double fake_driver::draw(const std::string& instance_id,
                         const char* purpose) const {
  auto h = stable_hash(opts_.seed, instance_id, host_ + '/' + purpose);
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

bool fake_driver::wait_latency(const std::string& instance_id) {
  auto lo = opts_.latency_min_ms;
  auto hi = std::max(opts_.latency_max_ms, lo);
  auto ms = lo + static_cast<int64_t>(draw(instance_id, "latency")
                                      * static_cast<double>(hi - lo + 1));
  std::unique_lock<std::mutex> guard{mtx_};
  if (ms > 0)
    stopped_.wait_for(guard, std::chrono::milliseconds{ms},
                      [this] { return shut_down_; });
  return !shut_down_;
}

driver_status fake_driver::spawn(const spawn_spec& spec) {
  count_call("spawn");
  if (listed(opts_.hang_on_hosts, host_)) {
    std::unique_lock<std::mutex> guard{mtx_};
    stopped_.wait(guard, [this] { return shut_down_; });
    return driver_status::failure("hypervisor connection closed", true);
  }
  // As libvirt's overlay, which needs its backing file: the cache of this
  // host lost it (or never made it), another host may have it.
  std::error_code ec;
  if (spec.base_file.empty() || !std::filesystem::exists(spec.base_file, ec))
    return driver_status::failure("Base file '" + spec.base_file
                                    + "' of image " + spec.image_.id
                                    + " not found on " + host_,
                                  true);
  if (!wait_latency(spec.instance_id))
    return driver_status::failure("hypervisor connection closed", true);
  if (listed(opts_.fail_on_hosts, host_))
    return driver_status::failure("Fake driver: spawn always fails on host "
                                    + host_,
                                  true);
  if (draw(spec.instance_id, "abort") < opts_.abort_rate)
    return driver_status::failure("Build of instance " + spec.instance_id
                                    + " aborted: fake driver injected abort",
                                  false);
  if (draw(spec.instance_id, "failure") < opts_.failure_rate)
    return driver_status::failure("Fake driver: injected spawn failure on "
                                    + host_,
                                  true);
  domain d{power_state::running, spec.base_file, spec.vifs, {}};
  if (auto dir = files_of(spec.instance_id); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (spec.guest.config_drive) {
      auto st = make_config_drive(spec, config_drive_path(spec.instance_id));
      if (!st.ok) {
        std::filesystem::remove_all(dir, ec);
        return st;
      }
    }
    std::ofstream{dir / "console.log"} << boot_log(spec);
  } else {
    d.boot_log = boot_log(spec);
  }
  std::lock_guard<std::mutex> guard{mtx_};
  save(spec.instance_id, std::move(d));
  return driver_status::success();
}

driver_status fake_driver::destroy(const std::string& instance_id) {
  count_call("destroy");
  std::lock_guard<std::mutex> guard{mtx_};
  forget(instance_id);
  return driver_status::success();
}

driver_status fake_driver::set_power(const std::string& instance_id,
                                     power_state state) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = domains_.find(instance_id);
  if (i == domains_.end())
    return not_found(instance_id);
  auto d = i->second;
  d.power = state;
  save(instance_id, std::move(d));
  return driver_status::success();
}

driver_status fake_driver::power_on(const std::string& instance_id) {
  count_call("power_on");
  return set_power(instance_id, power_state::running);
}

driver_status fake_driver::power_off(const std::string& instance_id) {
  count_call("power_off");
  return set_power(instance_id, power_state::shutdown);
}

driver_status fake_driver::reboot(const std::string& instance_id) {
  count_call("reboot");
  return set_power(instance_id, power_state::running);
}

driver_status fake_driver::pause(const std::string& instance_id) {
  count_call("pause");
  return set_power(instance_id, power_state::paused);
}

driver_status fake_driver::unpause(const std::string& instance_id) {
  count_call("unpause");
  return set_power(instance_id, power_state::running);
}

driver_status fake_driver::suspend(const std::string& instance_id) {
  count_call("suspend");
  return set_power(instance_id, power_state::suspended);
}

driver_status fake_driver::resume(const std::string& instance_id) {
  count_call("resume");
  return set_power(instance_id, power_state::running);
}

driver_status fake_driver::rescue(const std::string& instance_id) {
  count_call("rescue");
  return set_power(instance_id, power_state::running);
}

driver_status fake_driver::unrescue(const std::string& instance_id) {
  count_call("unrescue");
  return set_power(instance_id, power_state::running);
}

power_state fake_driver::get_power_state(const std::string& instance_id) {
  count_call("get_power_state");
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = domains_.find(instance_id);
  return i == domains_.end() ? power_state::nostate : i->second.power;
}

driver_status fake_driver::snapshot(const std::string& instance_id,
                                    const std::string& out_file) {
  count_call("snapshot");
  std::string base;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = domains_.find(instance_id);
    if (i == domains_.end())
      return not_found(instance_id);
    base = i->second.base_file;
  }
  std::error_code ec;
  auto dir = std::filesystem::path{out_file}.parent_path();
  if (!dir.empty())
    std::filesystem::create_directories(dir, ec);
  // The fake guest never wrote to its disk: the snapshot is its base as a
  // standalone qcow2 (what the libvirt driver's flatten gives), or a blank
  // one if the base is gone.
  auto res = !base.empty() && std::filesystem::exists(base, ec)
               ? run_command({"qemu-img", "convert", "-q", "-O", "qcow2", base,
                              out_file})
               : run_command({"qemu-img", "create", "-q", "-f", "qcow2",
                              out_file, "64M"});
  if (!res.ok()) {
    std::filesystem::remove(out_file, ec);
    return driver_status::failure("Snapshot of instance " + instance_id
                                    + " failed: qemu-img: " + res.error,
                                  false);
  }
  return driver_status::success();
}

driver_status fake_driver::console_output(const std::string& instance_id,
                                          std::string& output) {
  count_call("console_output");
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = domains_.find(instance_id);
    if (i == domains_.end())
      return not_found(instance_id);
    if (dir_.empty()) {
      output = i->second.boot_log.substr(
        i->second.boot_log.size() - std::min(i->second.boot_log.size(),
                                             max_console_bytes));
      return driver_status::success();
    }
  }
  output = read_log_tail((files_of(instance_id) / "console.log").string());
  return driver_status::success();
}

std::vector<std::string> fake_driver::list_instances() {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<std::string> out;
  out.reserve(domains_.size());
  for (auto& kv : domains_)
    out.push_back(kv.first);
  return out;
}

resources fake_driver::host_capacity() {
  return opts_.capacity;
}

std::string fake_driver::hypervisor_type() {
  return "fake";
}

void fake_driver::shutdown() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    shut_down_ = true;
  }
  stopped_.notify_all();
}

int64_t fake_driver::calls() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return calls_;
}

std::string fake_driver::base_file(const std::string& instance_id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = domains_.find(instance_id);
  return i == domains_.end() ? std::string{} : i->second.base_file;
}

std::vector<vif> fake_driver::vifs(const std::string& instance_id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = domains_.find(instance_id);
  return i == domains_.end() ? std::vector<vif>{} : i->second.vifs;
}

std::map<std::string, std::string>
fake_driver::dhcp_hosts(const std::string& bridge) const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::map<std::string, std::string> out;
  for (auto& kv : domains_)
    for (auto& v : kv.second.vifs)
      if (v.net.bridge == bridge)
        out[v.mac] = v.address;
  return out;
}

} // namespace vmforge
