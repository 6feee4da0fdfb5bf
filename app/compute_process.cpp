// `vmforged --role compute`: one compute host in a process of its own,
// joined to its controller (docs/cluster.md).
#include <atomic>
#include <csignal>
#include <iostream>

#include <unistd.h>

#include <caf/all.hpp>

#include "actors/cluster/controller_link.hpp"
#include "app/cluster_dialer.hpp"
#include "app/pipeline.hpp"
#include "images/image_services.hpp"
#include "app/process.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

// "HOST:PORT" or "[V6]:PORT".
bool split_endpoint(const std::string& text, std::string& host,
                    uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return false;
  host = text.substr(0, colon);
  if (host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  auto n = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || n < 1 || n > 65535)
    return false;
  port = static_cast<uint16_t>(n);
  return true;
}

// The process's incarnation: its start, so a restarted compute is told
// from a reconnecting one.
uint64_t incarnation_now() {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

} // namespace

int run_compute_process(options opts, const command_line& cl,
                        const char* argv0) {
  if (opts.host.empty()) {
    std::cerr << argv0 << ": --role compute needs --host NAME (or [DEFAULT] "
                          "host)\n";
    return 2;
  }
  auto endpoint = cl.controller.empty()
                    ? opts.cluster.listen + ":"
                        + std::to_string(opts.cluster.port)
                    : cl.controller;
  std::string controller_host;
  uint16_t controller_port = 0;
  if (!split_endpoint(endpoint, controller_host, controller_port)) {
    std::cerr << argv0 << ": --controller needs HOST:PORT, got '" << endpoint
              << "'\n";
    return 2;
  }
  if (auto problem = cluster_problem(opts, role::compute, controller_host);
      !problem.empty()) {
    std::cerr << argv0 << ": " << problem << "\n";
    return 2;
  }
  // Its [host:NAME] section if the file has one, else Nova's defaults
  // (zone "nova", the capacity its driver reports).
  host_config host;
  host.name = opts.host;
  for (auto& h : opts.hosts)
    if (h.name == opts.host)
      host = h;
  if (auto problem = settle_virt_type(opts); !problem.empty()) {
    std::cerr << argv0 << ": " << problem << "\n";
    return 2;
  }
  auto stop_signals = block_stop_signals();
  auto registry = std::make_shared<metrics::registry>();
  auto metrics_endpoint = start_metrics(opts, registry, argv0);
  if (!metrics_endpoint)
    return 2;
  auto drv = compute_driver_factory(
    opts, metrics::libvirt_call_error_hook(registry))(host);

  std::unique_ptr<cluster_dialer> dialer;
  try {
    dialer = std::make_unique<cluster_dialer>(controller_host,
                                              controller_port, opts.cluster);
  } catch (const std::exception& e) {
    std::cerr << argv0 << ": [cluster] " << e.what() << "\n";
    return 2;
  }
  caf::actor_system_config cfg;
  configure(cfg);
  configure_cluster(cfg, opts);
  caf::actor_system sys{cfg};
  controller_link_config lc;
  // A compute process fetches its own images: its own image service.
  lc.compute = compute_config_of(opts, host, drv, registry,
                                 images::make_image_service(opts));
  lc.incarnation = incarnation_now();
  lc.controller_host = dialer->host();
  lc.controller_port = dialer->port();
  lc.metrics = registry;
  lc.restarts = restart_counters_of(registry);
  // Joining can never succeed: stop as a configuration error does.
  std::atomic<bool> incompatible{false};
  lc.on_incompatible = [&incompatible](const std::string& why) {
    log::error("vmforged", "the controller refused this compute: ", why);
    incompatible = true;
    kill(getpid(), SIGTERM);
  };
  auto link = spawn_controller_link(sys, std::move(lc));
  log::info("vmforged", "ready: compute host ", host.name, " (",
            drv->hypervisor_type(), "), joining the controller at ",
            dialer->description());
  auto sig = wait_for_signal(stop_signals);
  if (!incompatible)
    log::info("vmforged", "received ", strsignal(sig), ", stopping");
  exit_on_second_signal(stop_signals);
  // The link takes the host's supervisor and compute manager with it; a
  // driver call in flight returns once the driver is shut down.
  caf::scoped_actor self{sys};
  self->send_exit(link, caf::exit_reason::user_shutdown);
  self->wait_for(link);
  drv->shutdown();
  dialer.reset();
  log::info("vmforged", "stopped");
  return incompatible ? 2 : 0;
}

} // namespace vmforge
