#include "app/cluster_endpoint.hpp"

#include <mutex>
#include <stdexcept>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "messages/errors.hpp"
#include "net/tls_acceptor.hpp"

namespace vmforge {

namespace {

std::chrono::milliseconds ms_of(double seconds) {
  return std::chrono::milliseconds{static_cast<int64_t>(seconds * 1000)};
}

// The acceptor counts on its own thread; each scrape adds what it counted
// since the last one to the Prometheus counters.
void export_counters(const std::shared_ptr<net::tls_acceptor>& tls,
                     metrics::registry& reg) {
  struct seen {
    std::mutex mtx; // two scrapes at once
    uint64_t accepted = 0, refused = 0, failed = 0, timeouts = 0, over = 0,
             frames = 0;
  };
  auto& m = reg.cluster;
  reg.on_collect([weak = std::weak_ptr<net::tls_acceptor>{tls}, &m,
                  last = std::make_shared<seen>()] {
    auto t = weak.lock();
    if (!t)
      return;
    std::lock_guard<std::mutex> guard{last->mtx};
    auto& c = t->counters();
    auto add = [&](const char* result, const std::atomic<uint64_t>& now,
                   uint64_t& before) {
      auto v = now.load();
      m.tls_connections.Add({{"result", result}})
        .Increment(static_cast<double>(v - before));
      before = v;
    };
    add("accepted", c.accepted, last->accepted);
    add("refused_certificate", c.refused_certificate, last->refused);
    add("handshake_failed", c.handshake_failed, last->failed);
    add("handshake_timeout", c.handshake_timeouts, last->timeouts);
    add("over_limit", c.over_limit, last->over);
    add("frame_too_large", c.frame_too_large, last->frames);
    m.tls_open.Set(static_cast<double>(c.active.load()));
  });
}

} // namespace

cluster_endpoint::cluster_endpoint(caf::actor_system& sys,
                                   cluster_actor registry,
                                   const cluster_options& opts,
                                   metrics::registry_ptr reg)
  : sys_(sys), registry_(std::move(registry)), listen_(opts.listen) {
  // With TLS, BASP is only reachable through the acceptor: an ephemeral
  // loopback port.
  auto basp_addr = opts.tls() ? std::string{"127.0.0.1"} : opts.listen;
  auto basp_port = opts.tls() ? uint16_t{0} : opts.port;
  auto published = sys_.middleman().publish(registry_, basp_port,
                                            basp_addr.c_str(), true);
  if (!published)
    throw std::runtime_error("cannot listen on " + basp_addr + ":"
                             + std::to_string(basp_port) + ": "
                             + error_message(published.error()));
  basp_port_ = *published;
  if (!opts.tls())
    return;
  net::tls_acceptor_options t;
  t.listen = opts.listen;
  t.port = opts.port;
  t.tls = {opts.certificate, opts.private_key, opts.ca_file};
  t.target_port = basp_port_;
  t.handshake_timeout = ms_of(opts.handshake_timeout_s);
  t.max_connections = static_cast<size_t>(opts.max_connections);
  tls_ = std::make_shared<net::tls_acceptor>(std::move(t));
  try {
    tls_->start();
  } catch (...) {
    sys_.middleman().unpublish(registry_, basp_port_);
    throw;
  }
  export_counters(tls_, *reg);
}

cluster_endpoint::~cluster_endpoint() {
  if (tls_)
    tls_->stop();
  sys_.middleman().unpublish(registry_, basp_port_);
}

uint16_t cluster_endpoint::port() const {
  return tls_ ? tls_->port() : basp_port_;
}

std::string cluster_endpoint::description() const {
  auto host = listen_.find(':') != std::string::npos ? "[" + listen_ + "]"
                                                     : listen_;
  return (tls_ ? "tls://" : "") + host + ":" + std::to_string(port());
}

} // namespace vmforge
