// vmforged: the vmforge daemon (all-in-one: every stage in one process).
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include <caf/all.hpp>

#include "app/pipeline.hpp"
#include "config/config_file.hpp"
#include "http/compute/compute_api.hpp"
#include "http/server.hpp"
#include "messages/errors.hpp"
#include "metrics/endpoint.hpp"
#include "store/writer.hpp"
#include "util/log.hpp"

namespace {

using namespace vmforge;

void usage(const char* argv0) {
  std::cout
    << "usage: " << argv0
    << " [--config FILE] [--print-config] [--db-sync] [--hosts N]"
       " [--listen ADDR] [--port N] [--auth-strategy noauth2|keystone]"
       " [--io-threads N] [--metrics-listen ADDR] [--metrics-port N]"
       " [--debug]\n"
    << "Starts the vmforge build pipeline and the Compute API, and runs "
       "until SIGINT or SIGTERM. Without --config it runs on its embedded "
       "defaults (those of etc/vmforge.conf: SQLite in ./var, fake driver, "
       "2 hosts, API on 127.0.0.1:8774, metrics on 127.0.0.1:9464). Options "
       "given here override the file; --port 0 and --metrics-port 0 pick a "
       "free port. --print-config prints the "
       "effective configuration, --db-sync applies the database migrations "
       "(as nova-manage db sync); both then exit. docs/configuration.md "
       "lists every option.\n";
}

// The defaults `make run` and etc/vmforge.conf share.
options embedded_defaults() {
  auto opts = default_options(2);
  opts.fake_driver.state_path = "var/fake-hypervisor";
  return opts;
}

struct command_line {
  std::string config_file;
  bool print_config = false;
  bool db_sync = false;
};

// Applies the command line over `opts` (after the file has been read, so
// it wins); answers false with a message on a bad argument.
bool parse_args(int argc, char** argv, command_line& cl, options& opts,
                std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    auto number = [&](int64_t min) -> std::optional<int64_t> {
      auto v = value();
      char* end = nullptr;
      auto n = v ? std::strtoll(v, &end, 10) : 0;
      if (!v || *end != '\0' || n < min) {
        error = arg + " needs a number >= " + std::to_string(min);
        return std::nullopt;
      }
      return n;
    };
    if (arg == "--config") {
      auto v = value();
      if (!v) {
        error = "--config needs a file";
        return false;
      }
      cl.config_file = v;
    } else if (arg == "--print-config") {
      cl.print_config = true;
    } else if (arg == "--db-sync") {
      cl.db_sync = true;
    } else if (arg == "--debug") {
      opts.logging.debug = true;
    } else if (arg == "--hosts") {
      auto n = number(1);
      if (!n)
        return false;
      opts.hosts = default_options(static_cast<int>(*n)).hosts;
    } else if (arg == "--port" || arg == "--metrics-port") {
      auto n = number(0);
      if (!n || *n > 65535) {
        error = arg + " needs a number in 0..65535";
        return false;
      }
      (arg == "--port" ? opts.api.port : opts.metrics.port)
        = static_cast<uint16_t>(*n);
    } else if (arg == "--io-threads") {
      auto n = number(1);
      if (!n)
        return false;
      opts.api.io_threads = static_cast<int32_t>(*n);
    } else if (arg == "--listen" || arg == "--auth-strategy"
               || arg == "--metrics-listen") {
      auto v = value();
      if (!v) {
        error = arg + " needs a value";
        return false;
      }
      (arg == "--listen"          ? opts.api.listen
       : arg == "--auth-strategy" ? opts.api.auth_strategy
                                  : opts.metrics.listen)
        = v;
    } else {
      error = "unknown argument '" + arg + "'";
      return false;
    }
  }
  if (opts.api.auth_strategy != "noauth2" && opts.api.auth_strategy != "keystone") {
    error = "--auth-strategy must be noauth2 or keystone";
    return false;
  }
  return true;
}

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

} // namespace

int main(int argc, char** argv) {
  command_line cl;
  auto opts = embedded_defaults();
  std::string error;
  // The file first (the command line overrides it), so parse twice.
  if (!parse_args(argc, argv, cl, opts, error)) {
    std::cerr << argv[0] << ": " << error << "\n";
    usage(argv[0]);
    return 2;
  }
  if (!cl.config_file.empty()) {
    try {
      opts = load_config_file(cl.config_file, embedded_defaults());
    } catch (const config_error& e) {
      std::cerr << argv[0] << ": " << e.what() << "\n";
      return 2;
    }
    parse_args(argc, argv, cl, opts, error);
  }
  if (cl.print_config) {
    std::cout << print_config(opts);
    return 0;
  }
  log::set_level(opts.logging.debug ? log::level::debug : log::level::info);
  if (!opts.logging.log_file.empty() && !log::set_file(opts.logging.log_file)) {
    std::cerr << argv[0] << ": cannot open log_file " << opts.logging.log_file
              << ": " << std::strerror(errno) << "\n";
    return 2;
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
    std::cerr << argv[0] << ": --db-sync needs a [database] connection\n";
    return 2;
  } else {
    log::warning("vmforged", "no [database] connection: nothing is persisted");
  }
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Metrics are bound first: a port conflict stops vmforged before it
  // touches the hypervisors, as a configuration error does.
  auto registry = std::make_shared<metrics::registry>();
  metrics::endpoint metrics_endpoint{registry, opts.metrics.listen,
                                     opts.metrics.port};
  try {
    metrics_endpoint.start();
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": cannot listen on " << opts.metrics.listen
              << ":" << opts.metrics.port << " for [metrics]: " << e.what()
              << "\n";
    return 2;
  }
  log::info("vmforged", "metrics on http://", opts.metrics.listen, ":",
            metrics_endpoint.port(), "/metrics");

  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto p = pipeline::start(
    sys, opts,
    compute_driver_factory(opts, metrics::libvirt_call_error_hook(registry)),
    std::move(db), registry);
  if (!p) {
    // A filter the scheduler does not know is the configuration's fault.
    if (p.error() == errc::filter_not_found) {
      std::cerr << argv[0] << ": [filter_scheduler] enabled_filters: "
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
  http::server_options http_opts;
  http_opts.listen = opts.api.listen;
  http_opts.port = opts.api.port;
  http_opts.io_threads = opts.api.io_threads;
  http::api_options api_opts;
  api_opts.metrics = &registry->api;
  api_opts.auth = opts.api.auth_strategy == "keystone"
                    ? http::auth_strategy::keystone
                    : http::auth_strategy::noauth2;
  http::compute_api api{sys, (*p)->api, api_opts};
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
  log::info("vmforged", "ready: ", opts.hosts.size(), " compute hosts (",
            opts.compute_driver == "libvirt.LibvirtDriver"
              ? "libvirt " + opts.libvirt.connection_uri
              : std::string{"fake driver"},
            "), database ",
            opts.database_connection.empty() ? "none"
                                             : opts.database_connection,
            ", max_concurrent_builds=", opts.max_concurrent_builds,
            ", instance_build_timeout=", opts.instance_build_timeout_s,
            "s, Compute API on http://", http_opts.listen, ":", server.port());
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("vmforged", "received ", strsignal(sig),
            ", stopping: no new builds, waiting up to ",
            opts.graceful_shutdown_timeout_s, " s for those in flight");
  // A second signal ends the process at once. Every answer already given
  // waited for its commit, so nothing acknowledged is lost; the next start
  // recovers whatever was in flight.
  std::thread([stop_signals] {
    int again = 0;
    sigwait(&stop_signals, &again);
    log::warning("vmforged", "received ", strsignal(again),
                 " again, exiting now");
    std::_Exit(1);
  }).detach();
  caf::scoped_actor self{sys};
  self->request((*p)->api, std::chrono::seconds{5}, refuse_builds{})
    .receive([](accepted&) {}, [](caf::error&) {});
  drain_builds(sys, **p, std::chrono::seconds{opts.graceful_shutdown_timeout_s});
  server.stop();
  (*p)->stop();
  log::info("vmforged", "stopped");
  return 0;
}
