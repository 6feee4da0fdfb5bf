#include "net/splice.hpp"

#include <chrono>
#include <type_traits>

#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

namespace vmforge::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t chunk_size = 64 * 1024;
/// How long closing may take: the pending operations and the peer's
/// answer to our close_notify.
constexpr auto shutdown_timeout = std::chrono::seconds(1);

} // namespace

void splice::start(tls_stream tls, tcp::socket plain, inspector inspect,
                   std::shared_ptr<void> owner) {
  // Nagle's algorithm holds back the tail of a message until the peer
  // acknowledges the previous one (up to its 40 ms delayed ack), on each
  // of the two hops.
  error_code ignored;
  tls.next_layer().set_option(tcp::no_delay(true), ignored);
  plain.set_option(tcp::no_delay(true), ignored);
  auto self = std::make_shared<splice>(std::move(tls), std::move(plain),
                                       std::move(inspect), std::move(owner));
  self->pump(self->tls_, self->plain_, self->up_);
  self->pump(self->plain_, self->tls_, self->down_);
}

splice::splice(tls_stream tls, tcp::socket plain, inspector inspect,
               std::shared_ptr<void> owner)
  : tls_(std::move(tls)), plain_(std::move(plain)),
    up_{std::vector<unsigned char>(chunk_size), std::move(inspect)},
    down_{std::vector<unsigned char>(chunk_size), {}},
    shutdown_timer_(plain_.get_executor()), owner_(std::move(owner)) {
  // nop
}

template <class From, class To>
void splice::pump(From& from, To& to, direction& d) {
  constexpr bool from_tls = std::is_same_v<From, tls_stream>;
  d.busy = true;
  from.async_read_some(
    asio::buffer(d.buf),
    [self = shared_from_this(), &from, &to, &d](error_code ec, size_t n) {
      d.busy = false;
      // A close_notify from the peer reads as eof: the stream is sound.
      if (from_tls && ec && ec != asio::error::eof && !self->stopping_)
        self->tls_sound_ = false;
      if (ec || self->stopping_ || (d.inspect && !d.inspect(d.buf.data(), n))) {
        self->stop();
        return;
      }
      d.busy = true;
      asio::async_write(to, asio::buffer(d.buf.data(), n),
                        [self, &from, &to, &d](error_code ec, size_t) {
                          d.busy = false;
                          // A TLS record cut short leaves nothing to
                          // shut down cleanly.
                          if (!from_tls && ec)
                            self->tls_sound_ = false;
                          if (ec || self->stopping_)
                            self->stop();
                          else
                            self->pump(from, to, d);
                        });
    });
}

void splice::stop() {
  if (!stopping_) {
    stopping_ = true;
    error_code ignored;
    plain_.close(ignored);
    // Ends the pending TLS operations; the shutdown waits for them, as a
    // TLS stream takes one read and one write at a time.
    tls_.next_layer().cancel(ignored);
    // A TLS read whose socket read had already completed goes on reading
    // after the cancel: the deadline closes the socket under it.
    shutdown_timer_.expires_after(shutdown_timeout);
    shutdown_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec)
        self->close_tls();
    });
  }
  finish_if_idle();
}

void splice::finish_if_idle() {
  if (finishing_ || up_.busy || down_.busy)
    return;
  finishing_ = true;
  if (!tls_sound_) {
    close_tls();
    return;
  }
  tls_.async_shutdown(
    [self = shared_from_this()](error_code) { self->close_tls(); });
}

void splice::close_tls() {
  // The owner (the acceptor's count) lets go as the socket closes.
  owner_.reset();
  error_code ignored;
  shutdown_timer_.cancel();
  tls_.next_layer().close(ignored);
}

} // namespace vmforge::net
