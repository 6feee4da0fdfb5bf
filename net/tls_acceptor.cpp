#include "net/tls_acceptor.hpp"

#include <optional>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/basp_frame_guard.hpp"
#include "net/io_thread.hpp"
#include "net/listener.hpp"
#include "net/splice.hpp"
#include "net/tls_context.hpp"
#include "util/log.hpp"

namespace vmforge::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using boost::system::error_code;

// The connections point at the options, counters and TLS context; the
// io_thread is declared last so that its handlers (and the connections
// they own) are destroyed before them.
struct tls_acceptor::impl {
  tls_acceptor_options opts;
  tls_acceptor_counters counters;
  std::optional<ssl::context> ctx;
  tcp::endpoint target;
  uint16_t bound_port = 0;
  /// Over-limit refusals are logged once a second at most.
  std::chrono::steady_clock::time_point over_limit_logged{};
  uint64_t over_limit_unlogged = 0;
  io_thread io;

  explicit impl(tls_acceptor_options o) : opts(std::move(o)) {
    // nop
  }

  void on_accept(tcp::socket socket);
  void refuse_over_limit(tcp::socket socket);
};

namespace {

/// Counts a connection in `active` from its accept to its close.
class active_slot {
public:
  explicit active_slot(std::atomic<uint64_t>& n) : n_(n) {
    ++n_;
  }
  ~active_slot() {
    --n_;
  }
  active_slot(const active_slot&) = delete;
  active_slot& operator=(const active_slot&) = delete;

private:
  std::atomic<uint64_t>& n_;
};

/// A connection from its accept until it is spliced to the target: the
/// TLS handshake, then the connect to the target, both under the
/// handshake timeout. Nothing reaches the target before the client's
/// certificate is verified.
class admission : public std::enable_shared_from_this<admission> {
public:
  admission(tcp::socket socket, tls_acceptor::impl& srv)
    : srv_(srv), peer_(peer_name(socket)), tls_(std::move(socket), *srv.ctx),
      target_(tls_.get_executor()), timer_(tls_.get_executor()),
      slot_(std::make_shared<active_slot>(srv.counters.active)) {
    // nop
  }

  void run() {
    verify_peer(tls_, &refused_reason_);
    timer_.expires_after(srv_.opts.handshake_timeout);
    timer_.async_wait(
      [self = shared_from_this()](error_code ec) { self->on_timeout(ec); });
    tls_.async_handshake(ssl::stream_base::server,
                         [self = shared_from_this()](error_code ec) {
                           self->on_handshake(ec);
                         });
  }

private:
  enum class phase { handshake, connecting, done };

  void on_timeout(error_code ec) {
    if (ec || phase_ == phase::done)
      return;
    if (phase_ == phase::handshake) {
      ++srv_.counters.handshake_timeouts;
      log::warning("cluster", "dropped ", peer_, ": no TLS handshake within ",
                   srv_.opts.handshake_timeout.count(), " ms");
    } else {
      log::warning("cluster", "dropped ", peer_, ": target ", srv_.target,
                   " did not accept within ",
                   srv_.opts.handshake_timeout.count(), " ms");
    }
    phase_ = phase::done;
    close();
  }

  void on_handshake(error_code ec) {
    if (phase_ == phase::done)
      return;
    if (ec) {
      phase_ = phase::done;
      timer_.cancel();
      refused(ec);
      close();
      return;
    }
    ++srv_.counters.accepted;
    phase_ = phase::connecting;
    target_.async_connect(srv_.target,
                          [self = shared_from_this()](error_code ec) {
                            self->on_connected(ec);
                          });
  }

  void on_connected(error_code ec) {
    if (phase_ == phase::done)
      return;
    phase_ = phase::done;
    timer_.cancel();
    if (ec) {
      log::warning("cluster", "dropped ", peer_, ": cannot reach target ",
                   srv_.target, ": ", ec.message());
      close();
      return;
    }
    splice::start(std::move(tls_), std::move(target_), frame_cap(),
                  std::move(slot_));
  }

  void refused(error_code ec) {
    bool no_cert = ec.category() == asio::error::get_ssl_category()
                   && ERR_GET_REASON(static_cast<unsigned long>(ec.value()))
                        == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE;
    if (!refused_reason_.empty() || no_cert) {
      ++srv_.counters.refused_certificate;
      log::warning("cluster", "refused the certificate of client ", peer_,
                   ": ", no_cert ? std::string("none sent") : refused_reason_);
    } else {
      ++srv_.counters.handshake_failed;
      log::warning("cluster", "TLS handshake with ", peer_,
                   " failed: ", ec.message());
    }
  }

  splice::inspector frame_cap() {
    auto* srv = &srv_;
    return [srv, peer = peer_, guard = basp_frame_guard(srv_.opts.max_frame)](
             const unsigned char* data, size_t size) mutable {
      if (guard.consume(data, size))
        return true;
      ++srv->counters.frame_too_large;
      log::warning("cluster", "dropped ", peer, ": BASP frame of ",
                   guard.refused_length(), " bytes announced (max_frame ",
                   srv->opts.max_frame, ")");
      return false;
    };
  }

  void close() {
    // Uncounted before the peer can see the close, not when the last
    // pending handler lets go of this object.
    slot_.reset();
    error_code ignored;
    tls_.next_layer().close(ignored);
    target_.close(ignored);
  }

  tls_acceptor::impl& srv_;
  std::string peer_;
  tls_stream tls_;
  tcp::socket target_;
  asio::steady_timer timer_;
  std::shared_ptr<active_slot> slot_;
  std::string refused_reason_;
  phase phase_ = phase::handshake;
};

} // namespace

void tls_acceptor::impl::on_accept(tcp::socket socket) {
  if (counters.active >= opts.max_connections) {
    refuse_over_limit(std::move(socket));
    return;
  }
  std::make_shared<admission>(std::move(socket), *this)->run();
}

void tls_acceptor::impl::refuse_over_limit(tcp::socket socket) {
  ++counters.over_limit;
  ++over_limit_unlogged;
  auto now = std::chrono::steady_clock::now();
  if (now - over_limit_logged >= std::chrono::seconds(1)) {
    log::warning("cluster", "refused ", over_limit_unlogged,
                 " connection(s), the last from ", peer_name(socket), ": ",
                 opts.max_connections, " connections open (max_connections)");
    over_limit_logged = now;
    over_limit_unlogged = 0;
  }
  error_code ignored;
  socket.close(ignored);
}

tls_acceptor::tls_acceptor(tls_acceptor_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  // nop
}

tls_acceptor::~tls_acceptor() {
  stop();
}

void tls_acceptor::start() {
  auto& i = *impl_;
  i.ctx.emplace(make_tls_context(i.opts.tls, tls_role::server));
  i.target = tcp::endpoint(asio::ip::make_address(i.opts.target_host),
                           i.opts.target_port);
  i.bound_port = listen(i.io.context(), "cluster TLS port", i.opts.listen,
                        i.opts.port,
                        [&i](tcp::socket s) { i.on_accept(std::move(s)); });
  i.io.start();
}

void tls_acceptor::stop() {
  impl_->io.stop();
}

uint16_t tls_acceptor::port() const {
  return impl_->bound_port;
}

const tls_acceptor_counters& tls_acceptor::counters() const {
  return impl_->counters;
}

} // namespace vmforge::net
