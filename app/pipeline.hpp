#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/compute/compute_actor.hpp"
#include "actors/compute/compute_manager.hpp"
#include "actors/conductor/conductor_actor.hpp"
#include "actors/image/image_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "config/options.hpp"
#include "drivers/driver.hpp"
#include "images/image_service.hpp"
#include "metrics/registry.hpp"
#include "store/database.hpp"

namespace vmforge {

using driver_factory = std::function<driver_ptr(const host_config&)>;

/// A fake driver per host, configured by opts.fake_driver.
driver_factory fake_driver_factory(const fake_driver_options& opts);

/// Settles [libvirt] virt_type (auto, kvm or qemu) to the type this
/// machine's guests get (choose_virt_type on /sys/module) and logs which
/// and why. Returns the problem of a type that cannot work here (an
/// explicit kvm without hardware virtualization), for the start to refuse
/// with exit 2. The fake driver and test:/// URIs need no type.
std::string settle_virt_type(options& opts);

/// The driver [DEFAULT] compute_driver names, per host: the fake one, or
/// libvirt through the host's connection_uri (else [libvirt]'s), telling
/// `on_libvirt_error` of each failed libvirt call.
driver_factory compute_driver_factory(
  const options& opts,
  std::function<void(const std::string& call)> on_libvirt_error = {});

/// The actor system configuration every vmforge process uses: our message
/// types and error categories registered.
void configure(caf::actor_system_config& cfg);

class store_writer;
struct recovery_backlog;

/// A compute host's configuration from `opts`: its slots, report
/// interval, image cache options, metrics handles in `reg`, `drv` and the
/// image service its cache downloads with (`images`: the process's own);
/// the controller's handles are the caller's to fill in. The host's
/// capacity is resolved from the driver (blocking).
compute_config compute_config_of(const options& opts, host_config host,
                                 driver_ptr drv,
                                 const metrics::registry_ptr& reg,
                                 images::image_service_ptr images);

/// How pipeline::start hands over what recovery left to do.
enum class resume_mode {
  /// At once: every host is in this process (all-in-one).
  now,
  /// When the caller calls resume(): a controller first waits for its
  /// compute processes to rejoin, so that the builds it found in flight
  /// have hosts to go to.
  deferred,
};

/// The whole build pipeline of an all-in-one process, wired together:
/// store, scheduler, conductor, supervisor (with one compute manager per
/// host), the image actor and the API handler.
class pipeline {
public:
  /// Spawns every actor and returns once the scheduler knows every host.
  /// With a database: migrates it, loads it, reconciles it with the
  /// hypervisors (recovery/recovery.hpp) and persists every change from then
  /// on; without, everything lives in memory. Every stage counts into
  /// `reg` (a registry of its own if null).
  static caf::expected<std::unique_ptr<pipeline>>
  start(caf::actor_system& sys, options opts, const driver_factory& make_driver,
        std::unique_ptr<database> db = nullptr,
        metrics::registry_ptr reg = nullptr,
        resume_mode mode = resume_mode::now);

  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;
  ~pipeline();

  /// Hands what recovery left (builds, deletes and actions in flight at the
  /// last stop) to the running actors; once, later calls do nothing.
  void resume();

  /// The compute hosts the database knows (Nova's compute_nodes).
  const std::vector<std::string>& stored_hosts() const {
    return stored_hosts_;
  }

  /// Stops every actor, unblocks the drivers and waits until every write
  /// is durable; idempotent.
  void stop();

  /// Calls `fn` (on an actor thread) with the actor's name and the reason
  /// if the API handler, conductor, scheduler or store dies abnormally.
  /// Their state is not rebuilt in place: vmforged exits, and its restart
  /// recovers everything from the database (compute managers and driver
  /// workers are restarted in place by the supervisor).
  void on_crash(std::function<void(const std::string&, const std::string&)> fn);

  const options& opts() const {
    return opts_;
  }

  api_actor api;
  /// The controller's image actor ([api] image_workers detached workers
  /// calling image_service): the API handler's and the HTTP layer's way
  /// to the image service.
  image_actor images;
  conductor_actor conductor;
  scheduler_actor scheduler;
  store_actor store;
  supervisor_actor supervisor;
  std::map<std::string, driver_ptr> drivers;
  /// Null without a database.
  std::shared_ptr<store_writer> writer;
  metrics::registry_ptr metrics;
  /// The process's one image service (make_image_service), shared by the
  /// API's image workers and the hosts' image caches.
  images::image_service_ptr image_service;

private:
  pipeline(caf::actor_system& sys, options opts);

  caf::actor_system& sys_;
  options opts_;
  std::unique_ptr<recovery_backlog> backlog_;
  std::vector<std::string> stored_hosts_;
  bool stopped_ = false;
};

} // namespace vmforge
