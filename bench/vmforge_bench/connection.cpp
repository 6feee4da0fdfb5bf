#include "bench/vmforge_bench/connection.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace vmforge::bench {

namespace beast = boost::beast;

connection::connection(boost::asio::io_context& io,
                       boost::asio::ip::tcp::endpoint peer)
  : stream_(io), peer_(std::move(peer)) {
}

void connection::send(http::request<http::string_body> req,
                      std::chrono::milliseconds timeout, handler done) {
  req_ = std::move(req);
  req_.prepare_payload();
  timeout_ = timeout;
  done_ = std::move(done);
  reused_ = open_;
  if (open_)
    return write();
  connect();
}

void connection::connect() {
  stream_.expires_after(timeout_);
  stream_.async_connect(peer_, [self = shared_from_this()](beast::error_code ec) {
    if (ec)
      return self->fail("connect", ec);
    self->stream_.socket().set_option(boost::asio::ip::tcp::no_delay{true});
    self->open_ = true;
    self->write();
  });
}

void connection::write() {
  stream_.expires_after(timeout_);
  http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec)
      return self->fail("write", ec);
    self->res_ = {};
    http::async_read(self->stream_, self->buffer_, self->res_,
                     [self](beast::error_code ec, size_t) {
      if (ec)
        return self->fail("read", ec);
      if (!self->res_.keep_alive()) {
        beast::error_code ignored;
        self->stream_.socket().close(ignored);
        self->open_ = false;
      }
      auto done = std::move(self->done_);
      done({static_cast<int>(self->res_.result_int()), std::move(self->res_.body()), {}});
    });
  });
}

void connection::fail(const char* stage, beast::error_code ec) {
  beast::error_code ignored;
  stream_.socket().close(ignored);
  open_ = false;
  buffer_.clear();
  // A server may close an idle keep-alive connection just as a request
  // goes out on it (Nova's eventlet does): that one is sent again, once.
  if (reused_ && ec != beast::error::timeout) {
    reused_ = false;
    return connect();
  }
  auto done = std::move(done_);
  done({0, {}, ec == beast::error::timeout ? "timeout" : stage});
}

} // namespace vmforge::bench
