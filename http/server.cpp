#include "http/server.hpp"

#include <array>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "util/log.hpp"

namespace vmforge::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

// Sessions point at the server's state; the state lives until the last
// responder is gone (a pipeline answer may come after stop()), and the
// counters are declared before the io_context so that the sessions its
// destructor destroys can still count themselves out.
struct server::impl : std::enable_shared_from_this<server::impl> {
  server_options opts;
  handler on_request;
  error_renderer on_error;
  std::atomic<size_t> open{0};
  uint16_t bound_port = 0;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;

  impl(server_options o, handler h, error_renderer e)
    : opts(std::move(o)), on_request(std::move(h)), on_error(std::move(e)),
      ioc(opts.io_threads) {
    // nop
  }

  void accept();
};

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket&& socket, server::impl* srv)
    : stream_(std::move(socket)), srv_(srv) {
    ++srv_->open;
  }

  ~session() {
    --srv_->open;
  }

  void run() {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->read_header(); });
  }

  /// Answers with an error and closes (over the connection cap).
  void refuse(unsigned status, const std::string& message) {
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this(), status, message] {
                    self->keep_alive_ = false;
                    self->write(self->srv_->on_error(status, message));
                  });
  }

private:
  void read_header() {
    parser_.emplace();
    parser_->body_limit(srv_->opts.body_limit);
    parser_->header_limit(static_cast<uint32_t>(srv_->opts.header_limit));
    stream_.expires_after(srv_->opts.idle_timeout);
    beast_http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) {
        self->on_header(ec);
      });
  }

  void on_header(beast::error_code ec) {
    if (ec == beast_http::error::header_limit) {
      fail(400, "Request header fields too large.");
      return;
    }
    if (ec == beast_http::error::body_limit) {
      fail(413, "Request is too large.");
      return;
    }
    if (ec) {
      close(); // the client went away, idled out, or sent garbage
      return;
    }
    stream_.expires_after(srv_->opts.io_timeout);
    // Clients such as curl wait (a second) for this before sending a body.
    auto expect = parser_->get().find(beast_http::field::expect);
    if (expect != parser_->get().end()
        && beast::iequals(expect->value(), "100-continue")) {
      auto cont = std::make_shared<
        beast_http::response<beast_http::empty_body>>(
        beast_http::status::continue_, parser_->get().version());
      beast_http::async_write(stream_, *cont,
                              [self = shared_from_this(), cont](
                                beast::error_code ec, size_t) {
                                if (ec)
                                  self->close();
                                else
                                  self->read_body();
                              });
      return;
    }
    read_body();
  }

  void read_body() {
    beast_http::async_read(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec,
                                                       size_t) {
                             self->on_read(ec);
                           });
  }

  void on_read(beast::error_code ec) {
    if (ec == beast_http::error::body_limit) {
      fail(413, "Request is too large.");
      return;
    }
    if (ec) {
      close();
      return;
    }
    // The handler may take as long as the pipeline needs; the connection
    // is not read meanwhile (no pipelining), so no timer runs.
    stream_.expires_never();
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    srv_->on_request(std::move(req), [self = shared_from_this(),
                                      keep = srv_->shared_from_this()](
                                       response res) {
      net::post(self->stream_.get_executor(),
                [self, res = std::move(res)]() mutable {
                  self->write(std::move(res));
                });
    });
  }

  void fail(unsigned status, const std::string& message) {
    keep_alive_ = false;
    // The client may still be sending the body we refused: read and drop
    // it after answering, or closing would reset the connection before
    // the client reads the answer.
    drain_ = true;
    write(srv_->on_error(status, message));
  }

  void drain() {
    stream_.expires_after(srv_->opts.io_timeout);
    stream_.async_read_some(
      net::buffer(scratch_),
      [self = shared_from_this()](beast::error_code ec, size_t n) {
        self->drained_ += n;
        // Up to 16 times the body limit: enough for any honest client.
        if (ec || self->drained_ > 16 * self->srv_->opts.body_limit)
          self->stream_.close();
        else
          self->drain();
      });
  }

  void write(response res) {
    res.keep_alive(keep_alive_);
    res.prepare_payload();
    auto msg = std::make_shared<response>(std::move(res));
    stream_.expires_after(srv_->opts.io_timeout);
    beast_http::async_write(stream_, *msg,
                            [self = shared_from_this(), msg](
                              beast::error_code ec, size_t) {
                              if (!ec && self->drain_) {
                                beast::error_code ignored;
                                self->stream_.socket().shutdown(
                                  tcp::socket::shutdown_send, ignored);
                                self->drain();
                              } else if (ec || !msg->keep_alive()) {
                                self->close();
                              } else {
                                self->read_header();
                              }
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  server::impl* srv_;
  bool keep_alive_ = true;
  bool drain_ = false;
  size_t drained_ = 0;
  std::array<char, 16384> scratch_;
};

} // namespace

void server::impl::accept() {
  acceptor->async_accept(
    net::make_strand(ioc),
    [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted)
        return; // stopped
      if (!ec) {
        auto s = std::make_shared<session>(std::move(socket), this);
        if (open > opts.max_connections)
          s->refuse(503, "Too many connections, try again later.");
        else
          s->run();
      }
      accept();
    });
}

server::server(server_options opts, handler on_request,
               error_renderer on_error)
  : impl_(std::make_shared<impl>(std::move(opts), std::move(on_request),
                                 std::move(on_error))) {
  // nop
}

server::~server() {
  stop();
}

void server::start() {
  auto& d = *impl_;
  tcp::endpoint ep{net::ip::make_address(d.opts.listen), d.opts.port};
  d.acceptor.emplace(d.ioc);
  d.acceptor->open(ep.protocol());
  d.acceptor->set_option(net::socket_base::reuse_address(true));
  d.acceptor->bind(ep);
  d.acceptor->listen(net::socket_base::max_listen_connections);
  d.bound_port = d.acceptor->local_endpoint().port();
  d.accept();
  for (int i = 0; i < std::max(1, d.opts.io_threads); ++i)
    d.threads.emplace_back([&d] { d.ioc.run(); });
}

void server::stop() {
  auto& d = *impl_;
  if (d.threads.empty())
    return;
  d.ioc.stop();
  for (auto& t : d.threads)
    t.join();
  d.threads.clear();
  beast::error_code ignored;
  d.acceptor->close(ignored);
}

uint16_t server::port() const {
  return impl_->bound_port;
}

size_t server::connections() const {
  return impl_->open;
}

} // namespace vmforge::http
