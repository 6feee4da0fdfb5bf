#include <catch2/catch.hpp>

#include <thread>

#include <caf/io/all.hpp>

#include "actors/cluster/cluster_registry.hpp"
#include "actors/cluster/controller_link.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "images/image_services.hpp"
#include "tests/functional/fixture.hpp"
#include "tests/support/metric_sample.hpp"
#include "util/log.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// Both ends of a BASP connection: vmforge's messages, the middleman, and
// heartbeats on both sides (a side notices a silent peer only by the
// peer's heartbeats).
void cluster_config(caf::actor_system_config& cfg) {
  configure(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", 2);
  cfg.set("middleman.heartbeat-interval", caf::timespan{100ms});
  cfg.set("middleman.connection-timeout", caf::timespan{1s});
}

bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// The controller: the pipeline without local hosts, and its published
// cluster registry.
struct controller {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<pipeline> p;
  cluster_actor registry;
  uint16_t port = 0;

  explicit controller(options opts) {
    cluster_config(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    auto started = pipeline::start(*sys, std::move(opts),
                                   fake_driver_factory({}));
    REQUIRE(started);
    p = std::move(*started);
    registry = spawn_cluster_registry(
      *sys, cluster_registry_config{p->conductor, p->scheduler, p->store,
                                    p->metrics});
    auto published = sys->middleman().publish(registry, 0, "127.0.0.1", true);
    REQUIRE(published);
    port = *published;
  }

  ~controller() {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    p->stop();
    p.reset();
    sys.reset();
  }

  std::vector<cluster_host> hosts() {
    std::vector<cluster_host> out;
    caf::scoped_actor self{*sys};
    self->request(registry, 5s, get_cluster_hosts{})
      .receive([&](cluster_host_list& l) { out = std::move(l.items); },
               [](caf::error&) {});
    return out;
  }

  bool known_to_scheduler(const std::string& host) {
    auto found = false;
    caf::scoped_actor self{*sys};
    self->request(p->scheduler, 5s, get_host_views{})
      .receive(
        [&](host_view_list& l) {
          for (auto& v : l.items)
            found = found || v.host == host;
        },
        [](caf::error&) {});
    return found;
  }

  std::string create() {
    create_servers req;
    req.ctx = request_context{"user-a", "project-a", false, "req-cluster", {}};
    req.name = "vm";
    req.flavor_ref = "1";
    req.image_ref = p->opts().images.front().id;
    std::string id;
    caf::scoped_actor self{*sys};
    self->request(p->api, 10s, std::move(req))
      .receive([&](servers_created& r) { id = r.ids.front(); },
               [](caf::error& err) { FAIL(error_message(err)); });
    return id;
  }

  instance row(const std::string& id) {
    instance out;
    caf::scoped_actor self{*sys};
    self->request(p->store, 5s, get_instance{id})
      .receive([&](instance& x) { out = std::move(x); },
               [](caf::error&) {});
    return out;
  }
};

// A compute process for one host, joined through its controller link.
struct compute_process {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  metrics::registry_ptr reg = std::make_shared<metrics::registry>();
  std::shared_ptr<std::atomic<int>> refusals
    = std::make_shared<std::atomic<int>>(0);
  controller_link_actor link;

  compute_process(const options& opts, uint16_t port) {
    cluster_config(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    auto host = opts.hosts.front();
    controller_link_config c;
    // Its own image service, as a compute process makes one.
    c.compute = compute_config_of(
      opts, host, std::make_shared<fake_driver>(host.name, opts.fake_driver),
      reg, images::make_image_service(opts));
    c.incarnation = static_cast<uint64_t>(now_us());
    c.controller_port = port;
    c.connect_timeout = 2s;
    c.join_timeout = 5s;
    c.retry_min = 50ms;
    c.retry_max = 200ms;
    c.metrics = reg;
    c.restarts = restart_counters_of(reg);
    // On an actor thread, where Catch2 cannot fail a test: counted.
    c.on_incompatible = [n = refusals](const std::string& why) {
      log::error("test", "incompatible: ", why);
      ++*n;
    };
    link = spawn_controller_link(*sys, std::move(c));
  }

  ~compute_process() {
    stop();
  }

  /// The link goes, and with it the host's supervisor and compute
  /// manager; the system waits for the spawn in flight to return (the
  /// driver is not shut down first: the compute manager would report the
  /// failed spawn before it goes).
  void stop() {
    if (!sys)
      return;
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    sys.reset();
  }
};

// A controller of another protocol version: it refuses every join as the
// registry does.
cluster_actor::behavior_type other_version(cluster_actor::pointer,
                                           uint32_t version) {
  return {
    [version](join_request& req) -> caf::result<join_accepted> {
      return nova_error(errc::incompatible_compute, req.host,
                        req.protocol_version, version);
    },
    [](get_cluster_hosts&) { return cluster_host_list{}; },
  };
}

} // namespace

TEST_CASE("a compute process that a controller of another protocol refuses "
          "gives up at once and says why",
          "[cluster]") {
  log::set_level(log::level::warning);
  caf::actor_system_config cfg;
  cluster_config(cfg);
  caf::actor_system sys{cfg};
  auto refusing = sys.spawn(other_version, cluster_protocol_version + 1);
  auto published = sys.middleman().publish(refusing, 0, "127.0.0.1", true);
  REQUIRE(published);
  auto opts = test::test_options(1);
  compute_process b{opts, *published};
  auto gone = std::make_shared<std::atomic<bool>>(false);
  caf::actor_cast<caf::abstract_actor*>(b.link)->attach_functor(
    [gone](const caf::error&) { *gone = true; });
  REQUIRE(eventually([&] { return b.refusals->load() == 1; }));
  // The link stops instead of trying again: vmforged exits with code 2.
  REQUIRE(eventually([&] { return gone->load(); }));
  CHECK(test::sample(*b.reg, "vmforge_cluster_joins_total",
                     {{"result", "accepted"}})
        == 0);
  CHECK(b.refusals->load() == 1);
  caf::anon_send_exit(refusing, caf::exit_reason::user_shutdown);
}

TEST_CASE("a compute process joins its controller over BASP, builds there, "
          "and its builds in flight go back when it stops",
          "[cluster]") {
  log::set_level(log::level::warning);
  auto opts = test::test_options(1);
  // A build long enough to be in flight when the compute process stops.
  opts.fake_driver.latency_min_ms = 1000;
  opts.fake_driver.latency_max_ms = 1000;
  auto controller_opts = opts;
  controller_opts.hosts.clear();
  controller a{controller_opts};
  compute_process b{opts, a.port};
  REQUIRE(eventually([&] {
    auto hosts = a.hosts();
    return hosts.size() == 1 && hosts[0].host == "compute-1"
           && hosts[0].connected;
  }));
  REQUIRE(eventually([&] { return a.known_to_scheduler("compute-1"); }));
  CHECK(test::sample(*a.p->metrics, "vmforge_cluster_hosts_connected") == 1);
  CHECK(test::sample(*b.reg, "vmforge_cluster_connected") == 1);
  CHECK(test::sample(*b.reg, "vmforge_cluster_joins_total",
                     {{"result", "accepted"}})
        == 1);

  auto first = a.create();
  REQUIRE(eventually([&] {
    auto r = a.row(first);
    return r.vm == vm_state::active && r.host == "compute-1";
  }));

  auto second = a.create();
  REQUIRE(eventually([&] {
    return a.row(second).task == task_state::spawning;
  }));
  b.stop();
  REQUIRE(eventually([&] {
    auto hosts = a.hosts();
    return hosts.size() == 1 && !hosts[0].connected;
  }));
  CHECK(a.hosts()[0].link_losses == 1);
  CHECK(test::sample(*a.p->metrics, "vmforge_cluster_hosts_connected") == 0);
  // The conductor: the build in flight there failed its attempt, and with
  // no other host the build is ERROR.
  REQUIRE(eventually([&] { return a.row(second).vm == vm_state::error; }));
  auto failed = a.row(second);
  CHECK(failed.fault_.message.find("Exhausted all hosts") != std::string::npos);
  CHECK(failed.fault_.details.find("Compute host compute-1 is offline")
        != std::string::npos);
  // The scheduler: the host takes no build until it reports again, though
  // os-services still shows it up.
  CHECK(test::sample(*a.p->metrics, "vmforge_compute_host_up",
                     {{"host", "compute-1"}})
        == 0);
  auto third = a.create();
  REQUIRE(eventually([&] { return a.row(third).vm == vm_state::error; }));
  CHECK(a.row(third).fault_.message
        == "No valid host was found. There are not enough hosts available.");
  // The first instance stays ACTIVE on its host.
  CHECK(a.row(first).vm == vm_state::active);
}
