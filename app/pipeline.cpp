#include "app/pipeline.hpp"

#include <thread>

#include <caf/all.hpp>

#include "actors/api_handler.hpp"
#include "actors/conductor.hpp"
#include "actors/host_selector.hpp"
#include "actors/instance_store.hpp"
#include "actors/scheduler.hpp"
#include "actors/supervisor.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "messages/errors.hpp"
#include "messages/registry.hpp"
#include "store/memory_repository.hpp"

namespace vmforge {

driver_factory fake_driver_factory(const fake_driver_options& opts) {
  return [opts](const host_config& host) -> driver_ptr {
    return std::make_shared<fake_driver>(host.name, opts);
  };
}

void configure(caf::actor_system_config& cfg) {
  register_messages(cfg);
}

pipeline::pipeline(caf::actor_system& sys, options opts)
  : sys_(sys), opts_(std::move(opts)) {
  // nop
}

pipeline::~pipeline() {
  stop();
}

caf::expected<std::unique_ptr<pipeline>>
pipeline::start(caf::actor_system& sys, options opts,
                const driver_factory& make_driver,
                std::shared_ptr<instance_repository> repo) {
  // Nova: a service_down_time not above report_interval is raised to 2.5x.
  if (opts.scheduler.service_down_time_s <= opts.report_interval_s)
    opts.scheduler.service_down_time_s = opts.report_interval_s * 5 / 2;
  auto selector = host_selector::make(opts.scheduler);
  if (!selector)
    return selector.error();
  std::unique_ptr<pipeline> p{new pipeline(sys, std::move(opts))};
  auto& o = p->opts_;
  if (!repo)
    repo = std::make_shared<memory_repository>();
  p->store = spawn_instance_store(sys, std::move(repo));
  p->scheduler = spawn_scheduler(sys, std::move(*selector));
  p->conductor = spawn_conductor(sys, conductor_config{
                                        o.scheduler.max_attempts,
                                        o.instance_build_timeout_s,
                                        o.build_timeout_check_ms,
                                        p->scheduler, p->store});
  supervisor_config sup;
  sup.conductor = p->conductor;
  auto images = std::make_shared<image_catalog>();
  for (auto& img : o.images)
    images->emplace(img.id, img);
  for (auto& host : o.hosts) {
    auto drv = make_driver(host);
    p->drivers.emplace(host.name, drv);
    compute_config c;
    c.host = host;
    // Configured capacity wins; what is left unset comes from the driver.
    // (Blocking, but only once here, before any actor depends on it.)
    auto reported = drv->host_capacity();
    if (c.host.capacity.vcpus == 0)
      c.host.capacity.vcpus = reported.vcpus;
    if (c.host.capacity.ram_mb == 0)
      c.host.capacity.ram_mb = reported.ram_mb;
    if (c.host.capacity.disk_gb == 0)
      c.host.capacity.disk_gb = reported.disk_gb;
    c.max_concurrent_builds = o.max_concurrent_builds;
    c.report_interval_s = o.report_interval_s;
    c.drv = drv;
    c.images = images;
    c.conductor = p->conductor;
    c.scheduler = p->scheduler;
    c.store = p->store;
    sup.computes.push_back(std::move(c));
  }
  p->supervisor = spawn_supervisor(sys, std::move(sup));
  p->api = spawn_api_handler(sys, api_config{o, p->store, p->conductor,
                                             p->scheduler});
  // Ready once every compute manager has registered with the scheduler.
  caf::scoped_actor self{sys};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  for (;;) {
    size_t known = 0;
    self->request(p->scheduler, std::chrono::seconds{5}, get_host_views{})
      .receive([&](host_view_list& views) { known = views.items.size(); },
               [](caf::error&) {});
    if (known >= o.hosts.size())
      break;
    if (std::chrono::steady_clock::now() > deadline)
      return caf::make_error(api_errc::internal,
                             std::string{"compute hosts did not register"});
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return p;
}

void pipeline::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  // The supervisor first, so nothing is restarted while the rest stops;
  // compute managers take their linked driver workers with them.
  caf::scoped_actor self{sys_};
  std::vector<compute_actor> computes;
  for (auto& host : opts_.hosts)
    self->request(supervisor, std::chrono::seconds{5}, get_compute{host.name})
      .receive([&](compute_actor& c) { computes.push_back(c); },
               [](caf::error&) {});
  auto bye = caf::exit_reason::user_shutdown;
  self->send_exit(supervisor, bye);
  for (auto& c : computes)
    self->send_exit(c, bye);
  self->send_exit(api, bye);
  self->send_exit(conductor, bye);
  self->send_exit(scheduler, bye);
  self->send_exit(store, bye);
  // Workers stuck in a driver call can only exit once the call returns.
  for (auto& kv : drivers)
    kv.second->shutdown();
}

} // namespace vmforge
