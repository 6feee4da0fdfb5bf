// vmforged: the vmforge daemon (all-in-one: every stage in one process).
#include <csignal>
#include <cstring>
#include <iostream>

#include <caf/all.hpp>

#include "app/pipeline.hpp"
#include "http/compute_api.hpp"
#include "http/server.hpp"
#include "util/log.hpp"

namespace {

void usage(const char* argv0) {
  std::cout
    << "usage: " << argv0
    << " [--hosts N] [--listen ADDR] [--port N] [--auth-strategy noauth2|keystone]"
       " [--io-threads N] [--debug]\n"
    << "Starts the vmforge build pipeline on its embedded defaults (fake "
       "driver, N compute hosts, default 2) and the Compute API on "
       "ADDR:PORT (default 127.0.0.1:8774; port 0 picks a free one), and "
       "runs until SIGINT or SIGTERM.\n";
}

} // namespace

int main(int argc, char** argv) {
  using namespace vmforge;
  int hosts = 2;
  http::server_options http_opts;
  http::api_options api_opts;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) {
      return !std::strcmp(argv[i], name) && i + 1 < argc;
    };
    if (arg("--hosts")) {
      hosts = std::atoi(argv[++i]);
    } else if (arg("--listen")) {
      http_opts.listen = argv[++i];
    } else if (arg("--port")) {
      http_opts.port = static_cast<uint16_t>(std::atoi(argv[++i]));
    } else if (arg("--io-threads")) {
      http_opts.io_threads = std::atoi(argv[++i]);
    } else if (arg("--auth-strategy")) {
      std::string s = argv[++i];
      if (s == "noauth2") {
        api_opts.auth = http::auth_strategy::noauth2;
      } else if (s == "keystone") {
        api_opts.auth = http::auth_strategy::keystone;
      } else {
        std::cerr << argv[0] << ": --auth-strategy must be noauth2 or keystone\n";
        return 2;
      }
    } else if (!std::strcmp(argv[i], "--debug")) {
      log::set_level(log::level::debug);
    } else if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      usage(argv[0]);
      return 0;
    } else {
      std::cerr << argv[0] << ": unknown argument '" << argv[i] << "'\n";
      usage(argv[0]);
      return 2;
    }
  }
  if (hosts < 1) {
    std::cerr << argv[0] << ": --hosts must be at least 1\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto opts = default_options(hosts);
  auto p = pipeline::start(sys, opts, fake_driver_factory(opts.fake_driver));
  if (!p) {
    log::error("vmforged", "cannot start: ", sys.render(p.error()));
    return 1;
  }
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
  log::info("vmforged", "ready: ", hosts, " compute hosts (fake driver), ",
            "max_concurrent_builds=", opts.max_concurrent_builds,
            ", instance_build_timeout=", opts.instance_build_timeout_s,
            "s, Compute API on http://", http_opts.listen, ":", server.port());
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("vmforged", "received ", strsignal(sig), ", stopping");
  server.stop();
  (*p)->stop();
  return 0;
}
