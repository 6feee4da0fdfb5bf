// The process that serves the Compute API: all-in-one, or a controller
// whose compute hosts join over [cluster].
#include <cstdlib>
#include <iostream>
#include <thread>

#include <caf/all.hpp>

#include "actors/cluster/cluster_registry.hpp"
#include "app/cluster_endpoint.hpp"
#include "app/pipeline.hpp"
#include "app/process.hpp"
#include "http/compute/compute_api.hpp"
#include "http/server.hpp"
#include "messages/errors.hpp"
#include "store/writer.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

// Waits for builds in flight to end, at most `timeout`.
void drain_builds(caf::actor_system& sys, pipeline& p,
                  std::chrono::seconds timeout) {
  caf::scoped_actor self{sys};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t in_flight = 0;
  for (;;) {
    self->request(p.conductor, std::chrono::seconds{5}, get_conductor_stats{})
      .receive([&](conductor_stats& s) { in_flight = s.in_flight; },
               [&](caf::error&) { in_flight = -1; });
    if (in_flight == 0)
      return;
    if (std::chrono::steady_clock::now() >= deadline) {
      log::warning("vmforged", in_flight,
                   " builds still in flight at the graceful_shutdown_timeout; "
                   "their state is stored and the next start resumes them");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

// A restarted controller gives the hosts the database knows up to
// rejoin_wait to come back before the builds it found in flight are
// placed again (else they would find no host at all).
void await_rejoins(caf::actor_system& sys, pipeline& p,
                   std::chrono::seconds wait) {
  auto& expected = p.stored_hosts();
  if (expected.empty())
    return;
  log::info("vmforged", "waiting up to ", wait.count(), " s for ",
            expected.size(), " known compute hosts to rejoin");
  caf::scoped_actor self{sys};
  auto deadline = std::chrono::steady_clock::now() + wait;
  size_t known = 0;
  for (;;) {
    self->request(p.scheduler, std::chrono::seconds{5}, get_host_views{})
      .receive([&](host_view_list& views) { known = views.items.size(); },
               [](caf::error&) {});
    if (known >= expected.size())
      break;
    if (std::chrono::steady_clock::now() >= deadline) {
      log::warning("vmforged", known, " of ", expected.size(),
                   " known compute hosts rejoined within ", wait.count(),
                   " s; resuming without the others");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

} // namespace

int run_api_process(options opts, const command_line& cl, const char* argv0) {
  auto controller = cl.process_role == role::controller;
  if (controller) {
    if (auto problem = cluster_problem(opts, role::controller, {});
        !problem.empty()) {
      std::cerr << argv0 << ": " << problem << "\n";
      return 2;
    }
    // A controller's hosts are the compute processes that join it.
    opts.hosts.clear();
  }
  std::unique_ptr<database> db;
  if (!opts.database_connection.empty()) {
    try {
      db = std::make_unique<database>(sqlite_path(opts.database_connection));
      if (cl.db_sync) {
        auto before = db->migrate();
        std::cout << "database " << opts.database_connection
                  << ": schema version " << before << " -> "
                  << database::latest_version() << "\n";
        return 0;
      }
    } catch (const database_error& e) {
      log::error("vmforged", e.what());
      return 1;
    }
  } else if (cl.db_sync) {
    std::cerr << argv0 << ": --db-sync needs a [database] connection\n";
    return 2;
  } else {
    log::warning("vmforged", "no [database] connection: nothing is persisted");
  }
  if (auto problem = settle_virt_type(opts); !problem.empty()) {
    std::cerr << argv0 << ": " << problem << "\n";
    return 2;
  }
  auto stop_signals = block_stop_signals();
  auto registry = std::make_shared<metrics::registry>();
  auto metrics_endpoint = start_metrics(opts, registry, argv0);
  if (!metrics_endpoint)
    return 2;

  caf::actor_system_config cfg;
  configure(cfg);
  if (controller)
    configure_cluster(cfg, opts);
  caf::actor_system sys{cfg};
  auto p = pipeline::start(
    sys, opts,
    compute_driver_factory(opts, metrics::libvirt_call_error_hook(registry)),
    std::move(db), registry,
    controller ? resume_mode::deferred : resume_mode::now);
  if (!p) {
    // A filter the scheduler does not know is the configuration's fault.
    if (p.error() == errc::filter_not_found) {
      std::cerr << argv0 << ": [filter_scheduler] enabled_filters: "
                << error_message(p.error()) << "\n";
      return 2;
    }
    log::error("vmforged", "cannot start: ", error_message(p.error()));
    return 1;
  }
  // A core actor that dies takes the process down (exit 70, EX_SOFTWARE):
  // the service manager restarts vmforged, and recovery resumes from the
  // database whatever was in flight.
  auto writer = (*p)->writer;
  (*p)->on_crash([writer](const std::string& who, const std::string& why) {
    log::error("vmforged", who, " died (", why,
               "); exiting so that a restart recovers from the database");
    if (writer)
      writer->flush();
    std::_Exit(70);
  });
  // On every way out, before the actor system goes: it would wait for the
  // registry for good.
  struct registry_guard {
    cluster_actor reg;
    ~registry_guard() {
      if (reg)
        caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    }
  } guard;
  std::unique_ptr<cluster_endpoint> cluster;
  if (controller) {
    auto& reg = guard.reg;
    reg = spawn_cluster_registry(
      sys, cluster_registry_config{(*p)->conductor, (*p)->scheduler,
                                   (*p)->store, registry});
    try {
      cluster = std::make_unique<cluster_endpoint>(sys, reg, opts.cluster,
                                                   registry);
    } catch (const std::exception& e) {
      std::cerr << argv0 << ": [cluster] " << e.what() << "\n";
      (*p)->stop();
      return 2;
    }
  }
  http::server_options http_opts;
  http_opts.listen = opts.api.listen;
  http_opts.port = opts.api.port;
  http_opts.io_threads = opts.api.io_threads;
  http::api_options api_opts;
  api_opts.metrics = &registry->api;
  api_opts.auth = opts.api.auth_strategy == "keystone"
                    ? http::auth_strategy::keystone
                    : http::auth_strategy::noauth2;
  http::compute_api api{sys, (*p)->api, (*p)->images, api_opts};
  http::server server{http_opts,
                      [&api](http::request&& req, http::responder done) {
                        api.handle(std::move(req), std::move(done));
                      },
                      &http::compute_api::render_error};
  try {
    server.start();
  } catch (const std::exception& e) {
    log::error("vmforged", "cannot listen on ", http_opts.listen, ":",
               http_opts.port, ": ", e.what());
    (*p)->stop();
    return 1;
  }
  if (controller)
    log::info("vmforged", "ready: controller, compute hosts join on ",
              cluster->description(), ", database ",
              opts.database_connection.empty() ? "none"
                                               : opts.database_connection,
              ", Compute API on http://", http_opts.listen, ":",
              server.port());
  else
    log::info("vmforged", "ready: ", opts.hosts.size(), " compute hosts (",
              opts.compute_driver == "libvirt.LibvirtDriver"
                ? "libvirt " + opts.libvirt.connection_uri
                : std::string{"fake driver"},
              "), database ",
              opts.database_connection.empty() ? "none"
                                               : opts.database_connection,
              ", max_concurrent_builds=", opts.max_concurrent_builds,
              ", instance_build_timeout=", opts.instance_build_timeout_s,
              "s, Compute API on http://", http_opts.listen, ":",
              server.port());
  if (controller) {
    await_rejoins(sys, **p, std::chrono::seconds{opts.cluster.rejoin_wait_s});
    (*p)->resume();
  }
  auto sig = wait_for_signal(stop_signals);
  log::info("vmforged", "received ", strsignal(sig),
            ", stopping: no new builds, waiting up to ",
            opts.graceful_shutdown_timeout_s, " s for those in flight");
  // Every answer already given waited for its commit, so nothing
  // acknowledged is lost; the next start recovers whatever was in flight.
  exit_on_second_signal(stop_signals);
  caf::scoped_actor self{sys};
  self->request((*p)->api, std::chrono::seconds{5}, refuse_builds{})
    .receive([](accepted&) {}, [](caf::error&) {});
  drain_builds(sys, **p, std::chrono::seconds{opts.graceful_shutdown_timeout_s});
  server.stop();
  cluster.reset();
  (*p)->stop();
  log::info("vmforged", "stopped");
  return 0;
}

} // namespace vmforge
