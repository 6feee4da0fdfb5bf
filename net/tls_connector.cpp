#include "net/tls_connector.hpp"

#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include "net/io_thread.hpp"
#include "net/listener.hpp"
#include "net/splice.hpp"
#include "net/tls_context.hpp"
#include "util/log.hpp"

namespace vmforge::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;

// The io_thread is declared last so that its handlers (and the
// connections they own) are destroyed before what they point at.
struct tls_connector::impl {
  tls_connector_options opts;
  std::string remote; // "host:port", for log lines
  std::optional<ssl::context> ctx;
  uint16_t bound_port = 0;
  io_thread io;

  explicit impl(tls_connector_options o)
    : opts(std::move(o)),
      remote(opts.remote_host + ":" + std::to_string(opts.remote_port)) {
    if (opts.server_name.empty())
      opts.server_name = opts.remote_host;
  }
};

namespace {

/// One local connection until it is spliced: resolve and connect to the
/// controller under the connect timeout, then the TLS handshake under the
/// handshake timeout. The local side is not read meanwhile.
class outbound : public std::enable_shared_from_this<outbound> {
public:
  outbound(tcp::socket local, tls_connector::impl& con)
    : con_(con), local_(std::move(local)), resolver_(local_.get_executor()),
      tls_(local_.get_executor(), *con.ctx), timer_(local_.get_executor()) {
    // nop
  }

  void run() {
    arm(con_.opts.connect_timeout, "connect timed out");
    resolver_.async_resolve(
      con_.opts.remote_host, std::to_string(con_.opts.remote_port),
      [self = shared_from_this()](error_code ec,
                                  tcp::resolver::results_type results) {
        self->on_resolved(ec, results);
      });
  }

private:
  /// Fails with `why` unless the current step ends within `timeout`.
  void arm(std::chrono::milliseconds timeout, const char* why) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), why](error_code ec) {
      if (ec || self->done_)
        return;
      self->fail_unreachable(why);
    });
  }

  void on_resolved(error_code ec, const tcp::resolver::results_type& results) {
    if (done_)
      return;
    if (ec) {
      fail_unreachable(ec.message());
      return;
    }
    asio::async_connect(tls_.next_layer(), results,
                        [self = shared_from_this()](error_code ec,
                                                    const tcp::endpoint&) {
                          self->on_connected(ec);
                        });
  }

  void on_connected(error_code ec) {
    if (done_)
      return;
    if (ec) {
      fail_unreachable(ec.message());
      return;
    }
    const auto& name = con_.opts.server_name;
    error_code not_ip;
    asio::ip::make_address(name, not_ip);
    // SNI takes host names only.
    if (not_ip)
      SSL_set_tlsext_host_name(tls_.native_handle(), name.c_str());
    verify_peer(tls_, &refused_reason_, name);
    arm(con_.opts.handshake_timeout, "TLS handshake timed out");
    tls_.async_handshake(ssl::stream_base::client,
                         [self = shared_from_this()](error_code ec) {
                           self->on_handshake(ec);
                         });
  }

  void on_handshake(error_code ec) {
    if (done_)
      return;
    done_ = true;
    timer_.cancel();
    if (!ec) {
      splice::start(std::move(tls_), std::move(local_), {}, nullptr);
      return;
    }
    if (!refused_reason_.empty())
      log::warning("cluster", "controller ", con_.remote,
                   " certificate refused (expected name ",
                   con_.opts.server_name, "): ", refused_reason_);
    else
      log::warning("cluster", "TLS handshake with controller ", con_.remote,
                   " failed: ", ec.message());
    close();
  }

  void fail_unreachable(const std::string& why) {
    done_ = true;
    log::warning("cluster", "cannot reach controller ", con_.remote, ": ",
                 why);
    close();
  }

  void close() {
    error_code ignored;
    resolver_.cancel();
    tls_.next_layer().close(ignored);
    local_.close(ignored);
  }

  tls_connector::impl& con_;
  tcp::socket local_;
  tcp::resolver resolver_;
  tls_stream tls_;
  asio::steady_timer timer_;
  std::string refused_reason_;
  bool done_ = false;
};

} // namespace

tls_connector::tls_connector(tls_connector_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  // nop
}

tls_connector::~tls_connector() {
  stop();
}

void tls_connector::start() {
  auto& i = *impl_;
  i.ctx.emplace(make_tls_context(i.opts.tls, tls_role::client));
  i.bound_port = listen(i.io.context(), "local cluster port", "127.0.0.1", 0,
                        [&i](tcp::socket s) {
                          std::make_shared<outbound>(std::move(s), i)->run();
                        });
  i.io.start();
}

void tls_connector::stop() {
  impl_->io.stop();
}

uint16_t tls_connector::port() const {
  return impl_->bound_port;
}

} // namespace vmforge::net
