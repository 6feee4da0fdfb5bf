// vmforged: the vmforge daemon (all-in-one: every stage in one process).
#include <csignal>
#include <cstring>
#include <iostream>

#include <caf/all.hpp>

#include "app/pipeline.hpp"
#include "util/log.hpp"

namespace {

void usage(const char* argv0) {
  std::cout << "usage: " << argv0 << " [--hosts N] [--debug]\n"
            << "Starts the vmforge build pipeline on its embedded defaults "
               "(fake driver, N compute hosts, default 2) and runs until "
               "SIGINT or SIGTERM.\n";
}

} // namespace

int main(int argc, char** argv) {
  using namespace vmforge;
  int hosts = 2;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--hosts") && i + 1 < argc) {
      hosts = std::atoi(argv[++i]);
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
  log::info("vmforged", "ready: ", hosts, " compute hosts (fake driver), ",
            "max_concurrent_builds=", opts.max_concurrent_builds,
            ", instance_build_timeout=", opts.instance_build_timeout_s, "s");
  int sig = 0;
  sigwait(&stop_signals, &sig);
  log::info("vmforged", "received ", strsignal(sig), ", stopping");
  (*p)->stop();
  return 0;
}
