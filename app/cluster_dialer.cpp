#include "app/cluster_dialer.hpp"

#include "net/tls_connector.hpp"

namespace vmforge {

cluster_dialer::cluster_dialer(std::string controller_host,
                               uint16_t controller_port,
                               const cluster_options& opts)
  : controller_(controller_host + ":" + std::to_string(controller_port)),
    host_(std::move(controller_host)),
    port_(controller_port) {
  if (!opts.tls())
    return;
  net::tls_connector_options t;
  t.remote_host = host_;
  t.remote_port = port_;
  t.tls = {opts.certificate, opts.private_key, opts.ca_file};
  t.server_name = opts.server_name.empty() ? host_ : opts.server_name;
  t.handshake_timeout = std::chrono::milliseconds{
    static_cast<int64_t>(opts.handshake_timeout_s * 1000)};
  tls_ = std::make_unique<net::tls_connector>(std::move(t));
  tls_->start();
  host_ = "127.0.0.1";
  port_ = tls_->port();
}

cluster_dialer::~cluster_dialer() {
  if (tls_)
    tls_->stop();
}

std::string cluster_dialer::description() const {
  return (tls_ ? "tls://" : "") + controller_;
}

} // namespace vmforge
