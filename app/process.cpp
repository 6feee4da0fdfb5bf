#include "app/process.hpp"

#include <cstdlib>
#include <iostream>
#include <thread>

#include <boost/asio/ip/address.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include "util/log.hpp"

namespace vmforge {

sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int wait_for_signal(const sigset_t& signals) {
  int sig = 0;
  sigwait(&signals, &sig);
  return sig;
}

void exit_on_second_signal(const sigset_t& signals) {
  std::thread([signals] {
    auto again = wait_for_signal(signals);
    log::warning("vmforged", "received ", strsignal(again),
                 " again, exiting now");
    std::_Exit(1);
  }).detach();
}

std::unique_ptr<metrics::endpoint> start_metrics(const options& opts,
                                                 metrics::registry_ptr reg,
                                                 const char* argv0) {
  auto ep = std::make_unique<metrics::endpoint>(std::move(reg),
                                                opts.metrics.listen,
                                                opts.metrics.port);
  try {
    ep->start();
  } catch (const std::exception& e) {
    std::cerr << argv0 << ": cannot listen on " << opts.metrics.listen << ":"
              << opts.metrics.port << " for [metrics]: " << e.what() << "\n";
    return nullptr;
  }
  log::info("vmforged", "metrics on http://", opts.metrics.listen, ":",
            ep->port(), "/metrics");
  return ep;
}

namespace {

caf::timespan span_of(double seconds) {
  return caf::timespan{static_cast<int64_t>(seconds * 1e9)};
}

} // namespace

void configure_cluster(caf::actor_system_config& cfg, const options& opts) {
  cfg.load<caf::io::middleman>();
  // Off by default in CAF 0.17: a frozen peer would never be noticed. A
  // one-sided heartbeat drops healthy idle links, so both ends set both.
  cfg.set("middleman.heartbeat-interval",
          span_of(opts.cluster.heartbeat_interval_s));
  cfg.set("middleman.connection-timeout",
          span_of(opts.cluster.connection_timeout_s));
  // A compatibility check at CAF's handshake, not authentication.
  cfg.set("middleman.app-identifiers",
          std::vector<std::string>{"vmforge-cluster"});
}

bool is_loopback(const std::string& address) {
  if (address == "localhost")
    return true;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

std::string cluster_problem(const options& opts, role r,
                            const std::string& controller_host) {
  auto& c = opts.cluster;
  if (c.tls() && (c.certificate.empty() || c.private_key.empty()
                  || c.ca_file.empty()))
    return "[cluster] certificate, private_key and ca_file go together: "
           "set all three for TLS, or none";
  // A tick kills a handshake slower than the interval, and a timeout under
  // two intervals drops links that are merely between two heartbeats.
  if (c.connection_timeout_s < 2 * c.heartbeat_interval_s)
    return "[cluster] connection_timeout must be at least twice "
           "heartbeat_interval";
  if (c.tls())
    return {};
  if (r == role::controller && !is_loopback(c.listen))
    return "[cluster] listen " + c.listen
           + " is not a loopback address: it needs TLS ([cluster] "
             "certificate, private_key and ca_file)";
  if (r == role::compute && !is_loopback(controller_host))
    return "--controller " + controller_host
           + " is not a loopback address: it needs TLS ([cluster] "
             "certificate, private_key and ca_file)";
  return {};
}

} // namespace vmforge
