#include "app/pipeline.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include <caf/all.hpp>

#include "actors/api/api_handler.hpp"
#include "actors/conductor/conductor.hpp"
#include "actors/image/image_api.hpp"
#include "actors/scheduler/host_selector.hpp"
#include "images/image_services.hpp"
#include "actors/store/instance_store.hpp"
#include "actors/scheduler/scheduler.hpp"
#include "actors/compute/supervisor.hpp"
#include "recovery/recovery.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "drivers/libvirt/libvirt_driver.hpp"
#include "drivers/libvirt/virt_type.hpp"
#include "messages/errors.hpp"
#include "app/message_types.hpp"
#include "store/memory_repository.hpp"
#include "store/writer.hpp"
#include "util/log.hpp"

namespace vmforge {

driver_factory fake_driver_factory(const fake_driver_options& opts) {
  return [opts](const host_config& host) -> driver_ptr {
    return std::make_shared<fake_driver>(host.name, opts);
  };
}

std::string settle_virt_type(options& opts) {
  if (opts.compute_driver != "libvirt.LibvirtDriver")
    return {};
  auto test = [](const std::string& uri) { return uri.rfind("test:", 0) == 0; };
  auto real = !test(opts.libvirt.connection_uri);
  for (auto& h : opts.hosts)
    real = real || (!h.connection_uri.empty() && !test(h.connection_uri));
  if (!real)
    return {};
  auto choice = choose_virt_type(opts.libvirt.virt_type);
  if (choice.type.empty())
    return "[libvirt] " + choice.why;
  log::info("libvirt", "virt_type ", choice.type, ": ", choice.why);
  opts.libvirt.virt_type = choice.type;
  return {};
}

driver_factory compute_driver_factory(
  const options& opts,
  std::function<void(const std::string& call)> on_libvirt_error) {
  if (opts.compute_driver != "libvirt.LibvirtDriver")
    return fake_driver_factory(opts.fake_driver);
  libvirt_settings base;
  base.uri = opts.libvirt.connection_uri;
  base.instances_path = opts.instances_path;
  base.virt_type = opts.libvirt.virt_type;
  base.tcg_tb_cache_mb = opts.libvirt.tcg_tb_cache_mb;
  base.shutdown_timeout_s = opts.shutdown_timeout_s;
  base.on_call_error = std::move(on_libvirt_error);
  return [base](const host_config& host) -> driver_ptr {
    auto cfg = base;
    cfg.host = host.name;
    if (!host.connection_uri.empty())
      cfg.uri = host.connection_uri;
    return std::make_shared<libvirt_driver>(std::move(cfg));
  };
}

void configure(caf::actor_system_config& cfg) {
  register_messages(cfg);
}

pipeline::pipeline(caf::actor_system& sys, options opts)
  : sys_(sys),
    opts_(std::move(opts)) {
  // nop
}

// What recovery left for the running actors.
struct recovery_backlog {
  recovery_plan plan;
};

pipeline::~pipeline() {
  stop();
}

namespace {

// Configured capacity wins; what is left unset comes from the driver
// (blocking: before any actor depends on it).
void resolve_capacity(host_config& host, driver& drv) {
  auto reported = drv.host_capacity();
  if (host.capacity.vcpus == 0)
    host.capacity.vcpus = reported.vcpus;
  if (host.capacity.ram_mb == 0)
    host.capacity.ram_mb = reported.ram_mb;
  if (host.capacity.disk_gb == 0)
    host.capacity.disk_gb = reported.disk_gb;
}

} // namespace

compute_config compute_config_of(const options& opts, host_config host,
                                 driver_ptr drv,
                                 const metrics::registry_ptr& reg,
                                 images::image_service_ptr images) {
  compute_config c;
  c.host = std::move(host);
  resolve_capacity(c.host, *drv);
  c.max_concurrent_builds = opts.max_concurrent_builds;
  c.report_interval_s = opts.report_interval_s;
  c.snapshot_dir = opts.instances_path + "/snapshots";
  c.shelved_offload_time_s = opts.shelved_offload_time_s;
  c.shelved_poll_interval_s = opts.shelved_poll_interval_s;
  c.drv = std::move(drv);
  c.image_service = std::move(images);
  c.instances_path = opts.instances_path;
  c.image_cache = opts.image_cache;
  c.image_timeout_s = opts.instance_build_timeout_s;
  c.metrics = compute_metrics::of(reg, c.host.name);
  return c;
}

namespace {

// What the pipeline starts from: the rows, the API handler's catalog and
// what recovery left to do once the actors run.
struct initial_state {
  std::shared_ptr<memory_repository> repo;
  catalog_state catalog;
  std::vector<host_record> hosts;
  recovery_backlog backlog;
  /// Rows recovery changed, to be written back.
  std::vector<instance> corrected;
};

// Reconciles what the database held with the hypervisors. Blocking, so it
// runs before any actor does.
initial_state load(stored_state stored,
                   const std::map<std::string, driver_ptr>& drivers,
                   deleted_retention keep) {
  initial_state init;
  init.repo = std::make_shared<memory_repository>(keep);
  init.catalog = std::move(stored.catalog);
  init.hosts = std::move(stored.hosts);
  std::map<std::string, std::string> request_ids;
  for (auto& kv : stored.actions)
    request_ids[kv.first] = kv.second.request_id; // oldest first: last wins
  std::map<std::string, host_domains> hypervisors;
  for (auto& [name, drv] : drivers) {
    auto& domains = hypervisors[name];
    for (auto& id : drv->list_instances())
      domains[id] = drv->get_power_state(id);
  }
  // Deleted rows kept for admins and usage have nothing left to recover.
  auto deleted = std::stable_partition(
    stored.instances.begin(), stored.instances.end(),
    [](const instance& row) { return row.terminated_us == 0; });
  std::vector<instance> kept(std::make_move_iterator(deleted),
                             std::make_move_iterator(stored.instances.end()));
  stored.instances.erase(deleted, stored.instances.end());
  init.backlog.plan = plan_recovery(stored.instances, hypervisors, request_ids);
  auto& plan = init.backlog.plan;
  for (auto& [host, id] : plan.orphans)
    drivers.at(host)->destroy(id);
  for (auto& [host, id] : plan.power_offs)
    drivers.at(host)->power_off(id);
  std::set<std::string> changed(plan.changed.begin(), plan.changed.end());
  for (auto& row : stored.instances)
    if (changed.count(row.id) != 0)
      init.corrected.push_back(row);
  for (auto& note : plan.notes)
    log::info("recovery", note);
  log::info("recovery", stored.instances.size(), " instances loaded; ",
            plan.rebuilds.size(), " builds to schedule again, ",
            plan.deletes.size(), " deletes and ", plan.actions.size(),
            " actions to finish, ", plan.orphans.size(),
            " orphan domains destroyed, ", plan.changed.size(),
            " rows corrected");
  stored.instances.insert(stored.instances.end(),
                          std::make_move_iterator(kept.begin()),
                          std::make_move_iterator(kept.end()));
  init.repo->load(std::move(stored.instances), std::move(stored.actions));
  return init;
}

} // namespace

// The events of interrupted builds, then the builds, deletes and actions
// themselves.
void pipeline::resume() {
  if (!backlog_)
    return;
  auto b = std::move(backlog_);
  auto& plan = b->plan;
  for (auto& ev : plan.events)
    caf::anon_send(store, std::move(ev));
  for (auto& r : plan.rebuilds)
    caf::anon_send(conductor, std::move(r));
  for (auto& [id, host] : plan.deletes)
    caf::anon_send(conductor, delete_request{id, host});
  for (auto& act : plan.actions)
    caf::anon_send(conductor, std::move(act));
}

caf::expected<std::unique_ptr<pipeline>>
pipeline::start(caf::actor_system& sys, options opts,
                const driver_factory& make_driver,
                std::unique_ptr<database> db,
                metrics::registry_ptr reg, resume_mode mode) {
  // Nova: a service_down_time not above report_interval is raised to 2.5x.
  if (opts.scheduler.service_down_time_s <= opts.report_interval_s)
    opts.scheduler.service_down_time_s = opts.report_interval_s * 5 / 2;
  if (!reg)
    reg = std::make_shared<metrics::registry>();
  auto selector = host_selector::make(opts.scheduler, &reg->scheduler);
  if (!selector)
    return selector.error();
  std::unique_ptr<pipeline> p{new pipeline(sys, std::move(opts))};
  auto& o = p->opts_;
  p->metrics = std::move(reg);
  p->image_service = images::make_image_service(
    o, metrics::glance_request_hook(p->metrics));
  for (auto& host : o.hosts)
    p->drivers.emplace(host.name, make_driver(host));
  auto keep = deleted_retention{o.deleted_retention_hours * 3600 * 1000000,
                                o.deleted_retention_count};
  initial_state init;
  init.repo = std::make_shared<memory_repository>(keep);
  init.catalog.flavors = o.flavors;
  if (db) {
    try {
      init = load(db->open(o.images), p->drivers, keep);
      p->writer = std::make_shared<store_writer>(std::move(db));
      p->writer->set_commit_observer(
        [m = p->metrics](size_t writes, std::chrono::duration<double> took) {
          m->runtime.store_batch.Observe(static_cast<double>(writes));
          m->runtime.store_commit.Observe(took.count());
        });
      for (auto& row : init.corrected)
        p->writer->put_instance(row, false, true);
    } catch (const std::exception& e) {
      return nova_error(errc::internal, std::string{"database: "} + e.what());
    }
  }
  p->store = spawn_instance_store(sys, init.repo, p->metrics, p->writer,
                                  o.networks);
  // Operators' disabled and forced-down hosts, whenever each registers.
  for (auto& h : init.hosts)
    if (h.disabled || h.forced_down)
      selector->preset_status(
        {h.host, h.disabled, h.disabled_reason, h.forced_down});
  p->scheduler = spawn_scheduler(sys, std::move(*selector), p->metrics);
  p->conductor = spawn_conductor(sys, conductor_config{
                                        o.scheduler.max_attempts,
                                        o.instance_build_timeout_s,
                                        o.build_timeout_check_ms,
                                        p->scheduler, p->store, p->metrics});
  supervisor_config sup;
  sup.conductor = p->conductor;
  sup.restarts = restart_counters_of(p->metrics);
  for (auto& host : o.hosts) {
    auto c = compute_config_of(o, host, p->drivers.at(host.name), p->metrics,
                               p->image_service);
    c.conductor = p->conductor;
    c.scheduler = p->scheduler;
    c.store = p->store;
    sup.computes.push_back(std::move(c));
  }
  p->supervisor = spawn_supervisor(sys, std::move(sup));
  image_api_config images;
  images.service = p->image_service;
  images.workers = static_cast<size_t>(std::max(o.api.image_workers, 1));
  p->images = spawn_image_api(sys, std::move(images));
  api_config ac{o, p->store, p->conductor, p->scheduler, p->images,
                std::move(init.catalog)};
  ac.image_url = [svc = p->image_service](const std::string& id) {
    return svc->image_url(id);
  };
  p->api = spawn_api_handler(sys, std::move(ac));
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
      return nova_error(errc::internal, "compute hosts did not register");
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  for (auto& h : init.hosts)
    p->stored_hosts_.push_back(h.host);
  p->backlog_ = std::make_unique<recovery_backlog>(std::move(init.backlog));
  if (mode == resume_mode::now)
    p->resume();
  return p;
}

void pipeline::on_crash(
  std::function<void(const std::string&, const std::string&)> fn) {
  std::pair<caf::abstract_actor*, const char*> core[] = {
    {caf::actor_cast<caf::abstract_actor*>(api), "api_handler"},
    {caf::actor_cast<caf::abstract_actor*>(conductor), "conductor"},
    {caf::actor_cast<caf::abstract_actor*>(scheduler), "scheduler"},
    {caf::actor_cast<caf::abstract_actor*>(store), "instance_store"}};
  for (auto& [actor, name] : core)
    actor->attach_functor([fn, name = std::string{name}](const caf::error& why) {
      // An orderly stop is no crash.
      if (why && why != caf::exit_reason::user_shutdown)
        fn(name, error_message(why));
    });
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
  self->send_exit(images, bye);
  self->send_exit(conductor, bye);
  self->send_exit(scheduler, bye);
  // What the others sent the store before they stopped is applied and
  // written before it goes.
  self->request(store, std::chrono::seconds{30}, sync_store{})
    .receive([](store_synced&) {},
             [](caf::error& err) {
               log::error("pipeline", "store did not sync: ", error_message(err));
             });
  if (writer) {
    writer->flush();
    writer->set_listener(nullptr); // the store holds the writer, not back
  }
  self->send_exit(store, bye);
  // Workers stuck in a driver call can only exit once the call returns.
  for (auto& kv : drivers)
    kv.second->shutdown();
}

} // namespace vmforge
