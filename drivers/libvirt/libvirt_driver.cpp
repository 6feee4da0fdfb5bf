#include "drivers/libvirt/libvirt_driver.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "drivers/config_drive_iso.hpp"
#include "drivers/console_log.hpp"
#include "drivers/libvirt/xml.hpp"
#include "messages/vif_model.hpp"
#include "util/log.hpp"
#include "util/process.hpp"

namespace vmforge {

namespace {

// Our <metadata> element: which compute host the domain belongs to, and
// what it is, as Nova's <nova:instance> says it.
constexpr const char* metadata_ns = "https://vmforge.invalid/xmlns/instance/1.0";
constexpr const char* pool_name = "vmforge-instances";

using xml::escape;

std::string last_error() {
  auto msg = virGetLastErrorMessage();
  return msg ? msg : "unknown libvirt error";
}

// libvirt prints every error to stderr by default; ours go into faults and
// the log with the call that failed.
void quiet(void*, virErrorPtr) {}

const char* log_name = "libvirt";

// libvirt delivers domain events and connection-close callbacks only
// through an event loop, which must be registered before the first
// connection opens. It is libvirt's own implementation, run on one thread
// for the whole process: libvirt offers no way to unregister it.
void ensure_event_loop() {
  static std::once_flag once;
  std::call_once(once, [] {
    virSetErrorFunc(nullptr, quiet);
    virEventRegisterDefaultImpl();
    std::thread{[] {
      for (;;)
        virEventRunDefaultImpl();
    }}.detach();
  });
}

std::string close_reason(int reason) {
  switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return "end of file from the hypervisor";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return "keepalive timeout";
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
      return "closed by the client";
    default:
      return "I/O error";
  }
}

// Whether a domain event changes the guest's power state (defined,
// undefined and shutdown-in-progress do not). What the state became is
// read again when the event is handled: events may arrive late.
bool changes_power(int event) {
  switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
    case VIR_DOMAIN_EVENT_RESUMED:
    case VIR_DOMAIN_EVENT_SUSPENDED:
    case VIR_DOMAIN_EVENT_STOPPED:
    case VIR_DOMAIN_EVENT_CRASHED:
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
      return true;
    default:
      return false;
  }
}

// One reference to a connection, released when the call is done, so that
// a reconnect never closes a connection under a call still using it.
struct conn_ref {
  virConnectPtr conn;
  conn_ref(const conn_ref&) = delete;
  conn_ref& operator=(const conn_ref&) = delete;
  ~conn_ref() {
    if (conn)
      virConnectClose(conn);
  }
};

struct domain_ref {
  virDomainPtr dom;
  ~domain_ref() {
    if (dom)
      virDomainFree(dom);
  }
};

power_state to_power_state(int state) {
  switch (state) {
    case VIR_DOMAIN_RUNNING:
    case VIR_DOMAIN_BLOCKED:
      return power_state::running;
    case VIR_DOMAIN_PAUSED:
      return power_state::paused;
    case VIR_DOMAIN_SHUTDOWN:
    case VIR_DOMAIN_SHUTOFF:
      return power_state::shutdown;
    case VIR_DOMAIN_CRASHED:
      return power_state::crashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return power_state::suspended;
    default:
      return power_state::nostate;
  }
}

// The pool of instance disks at `path`. vmforge makes it transient, so
// the hypervisor keeps no configuration of it; one defined by an operator
// is used as it is, if its directory is instances_path.
virStoragePoolPtr ensure_pool(virConnectPtr conn, const std::string& path,
                              std::string& why) {
  auto pool = virStoragePoolLookupByName(conn, pool_name);
  if (!pool) {
    auto xml = "<pool type='dir'><name>" + std::string{pool_name}
               + "</name><target><path>" + escape(path)
               + "</path></target></pool>";
    // The directory is made here: libvirt's test driver cannot build it.
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    pool = virStoragePoolCreateXML(conn, xml.c_str(), 0);
    if (!pool) // another host's driver on the same hypervisor was first
      pool = virStoragePoolLookupByName(conn, pool_name);
  }
  if (!pool) {
    why = "cannot create storage pool " + std::string{pool_name} + ": "
          + last_error();
    return nullptr;
  }
  auto xml_c = virStoragePoolGetXMLDesc(pool, 0);
  std::string xml = xml_c ? xml_c : "";
  free(xml_c);
  if (xml.find("<path>" + escape(path) + "</path>") == std::string::npos) {
    // A transient one is ours from an earlier instances_path (libvirtd
    // keeps transient pools across its restarts): it moves. An operator's
    // own pool is not ours to move.
    if (virStoragePoolIsPersistent(pool) == 0 && virStoragePoolDestroy(pool) == 0) {
      virStoragePoolFree(pool);
      log::warning(log_name, "storage pool ", pool_name, " moved to ", path);
      return ensure_pool(conn, path, why);
    }
    why = "storage pool " + std::string{pool_name}
          + " exists but is not in instances_path " + path;
    virStoragePoolFree(pool);
    return nullptr;
  }
  if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0
      && virStoragePoolIsActive(pool) != 1) {
    why = "cannot start storage pool " + std::string{pool_name} + ": "
          + last_error();
    virStoragePoolFree(pool);
    return nullptr;
  }
  return pool;
}

// Removes the instance's disk volume, if there is one; false if it stays.
bool delete_volume(virStoragePoolPtr pool, const std::string& instance_id) {
  auto vol = virStorageVolLookupByName(pool, (instance_id + ".qcow2").c_str());
  if (!vol)
    return true;
  auto ok = virStorageVolDelete(vol, 0) == 0;
  virStorageVolFree(vol);
  return ok;
}

// Stops and undefines a domain with the flags Nova uses, falling back to a
// plain undefine where the hypervisor does not know them.
bool remove_domain(virDomainPtr dom) {
  if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0)
    return false;
  if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                                    | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                                    | VIR_DOMAIN_UNDEFINE_NVRAM)
      == 0)
    return true;
  return virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) == 0
         || virDomainUndefine(dom) == 0;
}

} // namespace

struct libvirt_driver::watcher {
  std::mutex mtx;
  std::condition_variable wake;
  bool stop = false;
  /// Set by libvirt's close callback; the monitor reconnects.
  bool lost = false;
  std::string lost_reason;
  std::mutex sink_mtx;
  std::function<void(hypervisor_event)> sink;

  void emit(hypervisor_event e) {
    std::lock_guard<std::mutex> guard{sink_mtx};
    if (sink)
      sink(std::move(e));
  }
};

namespace {

using watcher_ref = std::shared_ptr<libvirt_driver::watcher>;

// libvirt frees the opaque pointer once a callback can no longer run, so
// each registration holds its own reference to the watcher.
void* share(const watcher_ref& w) {
  return new watcher_ref{w};
}

void unshare(void* opaque) {
  delete static_cast<watcher_ref*>(opaque);
}

libvirt_driver::watcher& watcher_of(void* opaque) {
  return **static_cast<watcher_ref*>(opaque);
}

void on_close(virConnectPtr, int reason, void* opaque) {
  auto& w = watcher_of(opaque);
  {
    std::lock_guard<std::mutex> guard{w.mtx};
    w.lost = true;
    w.lost_reason = close_reason(reason);
  }
  w.wake.notify_all();
}

int on_lifecycle(virConnectPtr, virDomainPtr dom, int event, int, void* opaque) {
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (changes_power(event) && virDomainGetUUIDString(dom, uuid) == 0)
    watcher_of(opaque).emit({hypervisor_event_kind::lifecycle, uuid, {}});
  return 0;
}

} // namespace

namespace {

libvirt_settings absolute_paths(libvirt_settings cfg) {
  cfg.instances_path = std::filesystem::absolute(cfg.instances_path).string();
  return cfg;
}

} // namespace

libvirt_driver::libvirt_driver(libvirt_settings cfg)
  : cfg_(absolute_paths(std::move(cfg))),
    networks_([this](const char* call) { return failed(call); }),
    watcher_(std::make_shared<watcher>()),
    hypervisor_type_(cfg_.uri.rfind("test:", 0) == 0 ? "TEST" : "QEMU") {
  ensure_event_loop();
  connect();
  monitor_ = std::thread{[this] { monitor(); }};
}

libvirt_driver::~libvirt_driver() {
  shutdown();
  monitor_.join();
  disconnect("driver stopped");
}

bool libvirt_driver::connect() {
  auto conn = virConnectOpen(cfg_.uri.c_str());
  if (!conn) {
    auto why = "cannot connect to " + cfg_.uri + ": " + failed("connect");
    std::lock_guard<std::mutex> guard{watcher_->mtx};
    down_reason_ = why;
    return false;
  }
  // Detects a remote peer that vanished without closing the socket; local
  // drivers have no keepalive and say so, which is fine.
  virConnectSetKeepAlive(conn, 5, 3);
  // libvirt frees what it was given only if a registration succeeds. The
  // in-process test driver accepts a close callback but keeps nothing (it
  // never closes), so its reference would never be freed: not registered.
  void* opaque = nullptr;
  if (cfg_.uri.rfind("test:", 0) != 0) {
    opaque = share(watcher_);
    if (virConnectRegisterCloseCallback(conn, on_close, opaque, unshare) < 0)
      unshare(opaque);
  }
  opaque = share(watcher_);
  auto id = virConnectDomainEventRegisterAny(
    conn, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), opaque, unshare);
  if (id < 0) {
    unshare(opaque);
    log::warning(log_name, cfg_.host, ": no lifecycle events from ",
                 cfg_.uri, ": ", failed("events"));
  }
  // Read once per connection: reports ask for it without a libvirt call.
  auto type = virConnectGetType(conn);
  std::lock_guard<std::mutex> guard{watcher_->mtx};
  if (type)
    hypervisor_type_ = type;
  conn_ = conn;
  lifecycle_callback_ = id;
  down_reason_.clear();
  watcher_->lost = false;
  return true;
}

void libvirt_driver::disconnect(const std::string& why) {
  virConnectPtr conn;
  int id;
  {
    std::lock_guard<std::mutex> guard{watcher_->mtx};
    conn = conn_;
    id = lifecycle_callback_;
    conn_ = nullptr;
    lifecycle_callback_ = -1;
    down_reason_ = why;
  }
  if (!conn)
    return;
  // libvirt calls are made without our lock: its own threads may be
  // waiting for it in a callback. Calls in progress keep their reference.
  if (id >= 0)
    virConnectDomainEventDeregisterAny(conn, id);
  virConnectUnregisterCloseCallback(conn, on_close);
  virConnectClose(conn);
}

void libvirt_driver::monitor() {
  using namespace std::chrono;
  auto& w = *watcher_;
  auto backoff = seconds{1};
  for (;;) {
    virConnectPtr conn = nullptr;
    {
      std::lock_guard<std::mutex> guard{w.mtx};
      if (w.stop)
        return;
      if (conn_)
        conn = conn_, virConnectRef(conn);
    }
    if (conn) {
      auto alive = virConnectIsAlive(conn) == 1;
      virConnectClose(conn);
      std::unique_lock<std::mutex> lock{w.mtx};
      if (alive && !w.lost) {
        // Liveness is polled too: not every driver calls on_close.
        w.wake.wait_for(lock, seconds{1}, [&] { return w.stop || w.lost; });
        continue;
      }
      auto why = w.lost ? w.lost_reason : "the connection is not alive";
      lock.unlock();
      disconnect(why);
      log::error(log_name, cfg_.host, ": connection to ", cfg_.uri,
                 " lost (", why, "); reconnecting");
      w.emit({hypervisor_event_kind::disconnected, {}, why});
      backoff = seconds{1};
      continue;
    }
    if (connect()) {
      log::info(log_name, cfg_.host, ": connected to ", cfg_.uri);
      w.emit({hypervisor_event_kind::connected, {}, {}});
      backoff = seconds{1};
      continue;
    }
    std::unique_lock<std::mutex> lock{w.mtx};
    w.wake.wait_for(lock, backoff, [&] { return w.stop; });
    backoff = std::min(backoff * 2, duration_cast<seconds>(seconds{30}));
  }
}

virConnectPtr libvirt_driver::connection(std::string& why) {
  std::lock_guard<std::mutex> guard{watcher_->mtx};
  if (watcher_->stop) {
    why = "hypervisor connection closed";
    return nullptr;
  }
  if (!conn_) {
    why = "not connected to the hypervisor: " + down_reason_;
    return nullptr;
  }
  virConnectRef(conn_);
  return conn_;
}

void libvirt_driver::watch(std::function<void(hypervisor_event)> sink) {
  {
    std::lock_guard<std::mutex> guard{watcher_->sink_mtx};
    watcher_->sink = std::move(sink);
  }
  std::string why;
  {
    std::lock_guard<std::mutex> guard{watcher_->mtx};
    if (conn_)
      return;
    why = down_reason_;
  }
  watcher_->emit({hypervisor_event_kind::disconnected, {}, why});
}

std::string libvirt_driver::failed(const char* call) const {
  auto why = last_error();
  if (cfg_.on_call_error)
    cfg_.on_call_error(call);
  return why;
}

virStoragePoolPtr libvirt_driver::pool(virConnectPtr conn, std::string& why) const {
  auto p = ensure_pool(conn, cfg_.instances_path, why);
  if (!p && cfg_.on_call_error)
    cfg_.on_call_error("pool");
  return p;
}

bool libvirt_driver::ours(virDomainPtr dom) const {
  auto md = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, metadata_ns, 0);
  if (!md)
    return false;
  std::string xml = md;
  free(md);
  return xml.find("<host>" + escape(cfg_.host) + "</host>") != std::string::npos;
}

namespace {

// Nova's libvirt vif (type network): the guest's MAC on the host's
// network, the image's hw_vif_model else virtio.
std::string interfaces_xml(const spawn_spec& spec) {
  auto i = spec.image_.properties.find("hw_vif_model");
  auto model = i == spec.image_.properties.end() ? std::string{"virtio"}
                                                 : vif_model_name(i->second);
  std::string out;
  for (auto& v : spec.vifs)
    out += "<interface type='network'><mac address='" + escape(v.mac)
           + "'/><source network='" + escape(v.net.bridge)
           + "'/><model type='" + escape(model) + "'/></interface>";
  return out;
}

// As Nova's hw_rng_model: a guest waiting for entropy boots seconds
// later.
std::string rng_xml(const image& img) {
  auto i = img.properties.find("hw_rng_model");
  if (i == img.properties.end() || i->second != "virtio")
    return {};
  return "<rng model='virtio'><backend model='random'>/dev/urandom"
         "</backend></rng>";
}

} // namespace

std::string libvirt_driver::domain_xml(const spawn_spec& spec,
                                       const std::string& disk) const {
  auto& f = spec.flavor_;
  auto dir = cfg_.instances_path + "/" + spec.instance_id;
  auto type = cfg_.uri.rfind("test:", 0) == 0 ? std::string{"test"}
                                              : cfg_.virt_type;
  // Emulation translates guest code into a cache qemu sizes at up to
  // 1 GiB; bounded, a small guest's host memory stays small.
  auto tcg = type == "qemu" && cfg_.tcg_tb_cache_mb > 0
               ? "<tcg><tb-cache unit='MiB'>"
                   + std::to_string(cfg_.tcg_tb_cache_mb) + "</tb-cache></tcg>"
               : std::string{};
  // The pc machine (libvirt's default): its IDE buses are where a CD-ROM
  // is visible to kernels without AHCI, as Debian's cloud kernel.
  return "<domain type='" + type
         + "'><name>" + escape(spec.instance_name) + "</name><uuid>"
         + escape(spec.instance_id) + "</uuid>"
         + "<metadata><vmforge:instance xmlns:vmforge='" + metadata_ns + "'>"
         + "<vmforge:host>" + escape(cfg_.host) + "</vmforge:host>"
         + "<vmforge:name>" + escape(spec.display_name) + "</vmforge:name>"
         + "<vmforge:flavor>" + escape(f.name) + "</vmforge:flavor>"
         + "<vmforge:project>" + escape(spec.project_id) + "</vmforge:project>"
         + "<vmforge:image>" + escape(spec.image_.id) + "</vmforge:image>"
         + "</vmforge:instance></metadata>"
         + "<memory unit='MiB'>" + std::to_string(f.ram_mb) + "</memory>"
         + "<vcpu>" + std::to_string(f.vcpus) + "</vcpu>"
         + "<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>"
         + "<features><acpi/>" + tcg + "</features>"
         + "<devices><disk type='file' device='disk'>"
         + "<driver name='qemu' type='qcow2'/><source file='" + escape(disk)
         + "'/><target dev='vda' bus='virtio'/></disk>"
         // Nova's config drive: an IDE CD-ROM, which the pc machine has and
         // every guest kernel reads (Debian's cloud kernel has no AHCI).
         + (spec.guest.config_drive
              ? "<disk type='file' device='cdrom'><driver name='qemu' "
                "type='raw'/><source file='" + escape(dir)
                  + "/disk.config'/><target dev='hdd' bus='ide'/><readonly/>"
                    "</disk>"
              : std::string{})
         + interfaces_xml(spec) + rng_xml(spec.image_)
         // Nova's console log: instances_path/<uuid>/console.log.
         + "<serial type='file'><source path='" + escape(dir)
         + "/console.log'/></serial></devices></domain>";
}

driver_status libvirt_driver::spawn(const spawn_spec& spec) {
  std::string why;
  // The image's base file in this host's cache, which the overlay is
  // made on. A base gone missing is this host's loss: another may have it.
  std::error_code missing;
  if (spec.base_file.empty()
      || !std::filesystem::exists(spec.base_file, missing))
    return driver_status::failure("Build of instance " + spec.instance_id
                                    + " was re-scheduled: base file '"
                                    + spec.base_file + "' of image "
                                    + spec.image_.id + " not found.",
                                  true);
  conn_ref ref{connection(why)};
  auto conn = ref.conn;
  if (!conn)
    return driver_status::failure(why, true);
  std::error_code ec;
  auto dir = cfg_.instances_path + "/" + spec.instance_id;
  std::filesystem::create_directories(dir, ec);
  auto disks = pool(conn, why);
  if (!disks)
    return driver_status::failure(why, true);
  // A qcow2 overlay on the image's base file, as Nova's Qcow2 image
  // backend makes: the flavor's size, allocated as the guest writes.
  auto vol_xml = "<volume><name>" + escape(spec.instance_id)
                 + ".qcow2</name><capacity unit='G'>"
                 + std::to_string(std::max<int64_t>(1, spec.flavor_.disk_gb))
                 + "</capacity><allocation>0</allocation>"
                 + "<target><format type='qcow2'/></target>"
                 + "<backingStore><path>"
                 + escape(std::filesystem::absolute(spec.base_file).string())
                 + "</path><format type='" + escape(spec.base_format)
                 + "'/></backingStore></volume>";
  auto vol = virStorageVolCreateXML(disks, vol_xml.c_str(), 0);
  virStoragePoolFree(disks);
  if (!vol)
    return driver_status::failure("cannot create the disk of "
                                    + spec.instance_id + ": "
                                    + failed("disk_create"),
                                  true);
  auto path_c = virStorageVolGetPath(vol);
  std::string disk = path_c ? path_c : "";
  free(path_c);
  virStorageVolFree(vol);
  // Leaves nothing behind: the vifs plugged so far, the domain, its disk.
  auto undo = [&] {
    for (auto& v : spec.vifs)
      networks_.unplug(conn, v.net.bridge, v.mac);
    destroy(spec.instance_id);
  };
  auto fail = [&](const std::string& step, const char* call) {
    auto msg = step + " of " + spec.instance_name + " failed: " + failed(call);
    undo();
    return driver_status::failure(msg, true);
  };
  if (spec.guest.config_drive) {
    auto st = make_config_drive(spec, dir + "/disk.config");
    if (!st.ok) {
      destroy(spec.instance_id);
      return st;
    }
  }
  for (auto& v : spec.vifs) {
    auto plugged = networks_.plug(conn, v, spec.instance_name);
    if (!plugged.ok) {
      undo();
      return plugged;
    }
  }
  domain_ref d{virDomainDefineXML(conn, domain_xml(spec, disk).c_str())};
  if (!d.dom)
    return fail("defining", "define");
  if (virDomainCreate(d.dom) < 0)
    return fail("starting", "start");
  // Nova waits for the domain to run before it reports the build done.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  for (;;) {
    int state = 0, reason = 0;
    if (virDomainGetState(d.dom, &state, &reason, 0) < 0)
      return fail("reading the state", "state");
    if (state == VIR_DOMAIN_RUNNING)
      return driver_status::success();
    if (std::chrono::steady_clock::now() > deadline)
      return fail("waiting for RUNNING", "start");
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

template <class F>
driver_status libvirt_driver::with_lookup(const std::string& instance_id,
                                          F call) {
  std::string why;
  conn_ref ref{connection(why)};
  if (!ref.conn)
    return driver_status::failure(why, true);
  domain_ref d{virDomainLookupByUUIDString(ref.conn, instance_id.c_str())};
  return call(ref.conn, d.dom);
}

template <class F>
driver_status libvirt_driver::with_domain(const std::string& instance_id,
                                          const char* what, F call) {
  return with_lookup(instance_id, [&](virConnectPtr, virDomainPtr dom) {
    if (!dom)
      return driver_status::failure("Instance " + instance_id
                                      + " could not be found.",
                                    false);
    if (call(dom) < 0)
      return driver_status::failure(std::string{what} + " of " + instance_id
                                      + " failed: " + failed(what),
                                    false);
    return driver_status::success();
  });
}

driver_status libvirt_driver::destroy(const std::string& instance_id) {
  return with_lookup(instance_id, [&](virConnectPtr conn, virDomainPtr dom) {
    // Read before the domain goes: after a restart, or for an orphan, its
    // XML is the only record of what was plugged.
    std::vector<domain_interface> plugged;
    if (dom) {
      auto xml_c = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
      if (xml_c) {
        plugged = domain_interfaces(xml_c);
        free(xml_c);
      } else {
        log::warning(log_name, "the DHCP host entries of ", instance_id,
                     " stay: ", failed("domain_xml"));
      }
    }
    if (dom && !remove_domain(dom))
      return driver_status::failure("destroying " + instance_id
                                      + " failed: " + failed("destroy"),
                                    true);
    for (auto& i : plugged)
      networks_.unplug(conn, i.network, i.mac);
    std::string why;
    if (auto disks = pool(conn, why)) {
      if (!delete_volume(disks, instance_id))
        log::warning(log_name, "the disk of ", instance_id,
                     " stays: ", failed("disk_delete"));
      virStoragePoolFree(disks);
    } else {
      log::warning(log_name, "the disk of ", instance_id, " stays: ", why);
    }
    // As Nova's _delete_instance_files: the console log goes too.
    std::error_code ec;
    std::filesystem::remove_all(cfg_.instances_path + "/" + instance_id, ec);
    return driver_status::success();
  });
}

driver_status libvirt_driver::power_on(const std::string& instance_id) {
  return with_domain(instance_id, "power_on", [](virDomainPtr d) {
    return virDomainIsActive(d) == 1 ? 0 : virDomainCreate(d);
  });
}

driver_status libvirt_driver::power_off(const std::string& instance_id) {
  // Nova's clean shutdown: ask the guest (ACPI), give it shutdown_timeout,
  // then destroy it. A guest without an OS never answers the request.
  return with_domain(instance_id, "power_off", [this](virDomainPtr d) {
    if (virDomainIsActive(d) != 1)
      return 0;
    if (cfg_.shutdown_timeout_s > 0 && virDomainShutdown(d) == 0) {
      auto deadline = std::chrono::steady_clock::now()
                      + std::chrono::seconds{cfg_.shutdown_timeout_s};
      auto stopping = [this] {
        std::lock_guard<std::mutex> guard{watcher_->mtx};
        return watcher_->stop;
      };
      while (virDomainIsActive(d) == 1 && !stopping()
             && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    return virDomainIsActive(d) == 1 ? virDomainDestroy(d) : 0;
  });
}

driver_status libvirt_driver::reboot(const std::string& instance_id) {
  // Soft first; a guest that does not cooperate is reset the hard way.
  return with_domain(instance_id, "reboot", [](virDomainPtr d) {
    if (virDomainIsActive(d) == 1 && virDomainReboot(d, 0) == 0)
      return 0;
    if (virDomainIsActive(d) == 1 && virDomainDestroy(d) < 0)
      return -1;
    return virDomainCreate(d);
  });
}

driver_status libvirt_driver::rescue(const std::string&) {
  // Nova's libvirt rescue boots a rescue image with the instance's disk
  // attached: a second domain definition vmforge does not build yet.
  return driver_status::failure("rescue is not supported by the libvirt "
                                "driver",
                                false);
}

driver_status libvirt_driver::unrescue(const std::string&) {
  return driver_status::failure("unrescue is not supported by the libvirt "
                                "driver",
                                false);
}

driver_status libvirt_driver::pause(const std::string& instance_id) {
  return with_domain(instance_id, "pause", virDomainSuspend);
}

driver_status libvirt_driver::unpause(const std::string& instance_id) {
  return with_domain(instance_id, "unpause", virDomainResume);
}

driver_status libvirt_driver::suspend(const std::string& instance_id) {
  // Nova's suspend: the guest's memory saved to disk, the domain stopped.
  return with_domain(instance_id, "suspend",
                     [](virDomainPtr d) { return virDomainManagedSave(d, 0); });
}

driver_status libvirt_driver::resume(const std::string& instance_id) {
  return with_domain(instance_id, "resume", virDomainCreate);
}

power_state libvirt_driver::get_power_state(const std::string& instance_id) {
  auto out = power_state::nostate; // also while disconnected
  with_lookup(instance_id, [&out](virConnectPtr, virDomainPtr dom) {
    int state = VIR_DOMAIN_NOSTATE, reason = 0;
    if (dom && virDomainGetState(dom, &state, &reason, 0) == 0) {
      // A managed save is Nova's SUSPENDED.
      auto saved = state == VIR_DOMAIN_SHUTOFF
                   && virDomainHasManagedSaveImage(dom, 0) == 1;
      out = saved ? power_state::suspended : to_power_state(state);
    }
    return driver_status::success();
  });
  return out;
}

driver_status libvirt_driver::snapshot(const std::string& instance_id,
                                       const std::string& out_file) {
  return with_lookup(instance_id, [&](virConnectPtr conn, virDomainPtr dom) {
    if (!dom)
      return driver_status::failure("Instance " + instance_id
                                      + " could not be found.",
                                    false);
    std::string why;
    auto disks = pool(conn, why);
    if (!disks)
      return driver_status::failure(why, true);
    std::string disk;
    unsigned long long capacity = 0;
    if (auto vol = virStorageVolLookupByName(
          disks, (instance_id + ".qcow2").c_str())) {
      auto path_c = virStorageVolGetPath(vol);
      disk = path_c ? path_c : "";
      free(path_c);
      virStorageVolInfo info;
      if (virStorageVolGetInfo(vol, &info) == 0)
        capacity = info.capacity;
      virStorageVolFree(vol);
    }
    virStoragePoolFree(disks);
    if (disk.empty())
      return driver_status::failure("the disk of " + instance_id
                                      + " could not be found: "
                                      + failed("disk_lookup"),
                                    false);
    int state = VIR_DOMAIN_NOSTATE, reason = 0;
    virDomainGetState(dom, &state, &reason, 0);
    auto paused_here = false;
    if (state == VIR_DOMAIN_RUNNING) {
      if (virDomainSuspend(dom) < 0)
        return driver_status::failure("pausing " + instance_id
                                        + " for its snapshot failed: "
                                        + failed("suspend"),
                                      false);
      paused_here = true;
    }
    std::error_code ec;
    auto dir = std::filesystem::path{out_file}.parent_path();
    if (!dir.empty())
      std::filesystem::create_directories(dir, ec);
    command_result res;
    if (std::filesystem::exists(disk))
      // -U: the paused guest's qemu still holds the image's lock.
      res = run_command({"qemu-img", "convert", "-q", "-U", "-O", "qcow2",
                         disk, out_file});
    else if (cfg_.uri.rfind("test:", 0) == 0)
      res = run_command({"qemu-img", "create", "-q", "-f", "qcow2", out_file,
                         std::to_string(std::max<unsigned long long>(
                           capacity, 1ull << 20))});
    else
      res = command_result{1, "the disk file " + disk + " does not exist"};
    if (paused_here && virDomainResume(dom) < 0)
      log::warning(log_name, cfg_.host, ": ", instance_id,
                   " stays paused after its snapshot: ", failed("resume"));
    if (!res.ok()) {
      std::filesystem::remove(out_file, ec);
      return driver_status::failure("Snapshot of instance " + instance_id
                                      + " failed: qemu-img: " + res.error,
                                    false);
    }
    return driver_status::success();
  });
}

driver_status libvirt_driver::console_output(const std::string& instance_id,
                                            std::string& output) {
  return with_lookup(instance_id, [&](virConnectPtr, virDomainPtr dom) {
    if (!dom || !ours(dom))
      return driver_status::failure("Instance " + instance_id
                                      + " could not be found.",
                                    false);
    // The serial console's file of domain_xml; none yet is an empty log,
    // as in Nova.
    output = read_log_tail(cfg_.instances_path + "/" + instance_id
                           + "/console.log");
    return driver_status::success();
  });
}

std::vector<std::string> libvirt_driver::list_instances() {
  std::vector<std::string> out;
  std::string why;
  conn_ref ref{connection(why)};
  auto conn = ref.conn;
  if (!conn)
    return out;
  virDomainPtr* doms = nullptr;
  auto n = virConnectListAllDomains(conn, &doms, 0);
  for (int i = 0; i < n; ++i) {
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (ours(doms[i]) && virDomainGetUUIDString(doms[i], uuid) == 0)
      out.emplace_back(uuid);
    virDomainFree(doms[i]);
  }
  free(doms);
  return out;
}

resources libvirt_driver::host_capacity() {
  resources out;
  std::string why;
  conn_ref ref{connection(why)};
  auto conn = ref.conn;
  if (!conn)
    return out;
  virNodeInfo info;
  if (virNodeGetInfo(conn, &info) == 0) {
    out.vcpus = info.cpus;
    out.ram_mb = static_cast<int64_t>(info.memory / 1024);
  }
  if (auto disks = pool(conn, why)) {
    virStoragePoolInfo pi;
    if (virStoragePoolGetInfo(disks, &pi) == 0)
      out.disk_gb = static_cast<int64_t>(pi.capacity >> 30);
    virStoragePoolFree(disks);
  } else {
    log::warning(log_name, cfg_.host, ": no disk capacity: ", why);
  }
  return out;
}

std::string libvirt_driver::hypervisor_type() {
  std::lock_guard<std::mutex> guard{watcher_->mtx};
  return hypervisor_type_;
}

void libvirt_driver::shutdown() {
  // Calls in progress finish (libvirt calls cannot be interrupted; a stop
  // waiting for a clean shutdown gives up); new ones are refused.
  {
    std::lock_guard<std::mutex> guard{watcher_->mtx};
    watcher_->stop = true;
  }
  watcher_->wake.notify_all();
}

} // namespace vmforge
