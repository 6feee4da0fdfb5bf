#include "tests/support/http_test_server.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace vmforge::test {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct canned_http_server::impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc,
                         tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::optional<ssl::context> tls;
  std::thread thread;
  std::atomic<size_t> accepted{0};
  mutable std::mutex mtx;
  handler on_request;
  std::vector<http::request> seen;

  void accept();
  canned_reply answer(const http::request& req) {
    handler h;
    {
      std::lock_guard<std::mutex> guard{mtx};
      seen.push_back(req);
      h = on_request;
    }
    try {
      return h(req);
    } catch (const std::exception& e) {
      canned_reply r;
      r.status = 500;
      r.body = std::string{"canned handler threw: "} + e.what();
      return r;
    }
  }
};

namespace {

std::string render(const canned_reply& r) {
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " "
                    + std::string{reason} + "\r\n";
  for (auto& [k, v] : r.headers)
    out += k + ": " + v + "\r\n";
  if (r.content_length != -2)
    out += "Content-Length: "
           + std::to_string(r.content_length >= 0
                              ? r.content_length
                              : static_cast<int64_t>(r.body.size()))
           + "\r\n";
  if (r.close || r.content_length == -2)
    out += "Connection: close\r\n";
  out += "\r\n" + r.body;
  return out;
}

template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... Args>
  session(canned_http_server::impl* srv, Args&&... args)
    : srv_(srv), stream_(std::forward<Args>(args)...) {
  }

  void start() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      read();
    } else {
      auto self = this->shared_from_this();
      stream_.async_handshake(ssl::stream_base::server,
                              [self](error_code ec) {
                                if (!ec)
                                  self->read();
                              });
    }
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(256 * 1024 * 1024);
    auto self = this->shared_from_this();
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self](error_code ec, size_t) {
                        if (!ec)
                          self->reply();
                      });
  }

  void reply() {
    auto req = parser_->release();
    auto r = srv_->answer(req);
    bool close = r.close || r.drop || r.content_length == -2
                 || !req.keep_alive();
    out_ = render(r);
    auto self = this->shared_from_this();
    asio::async_write(stream_, asio::buffer(out_),
                      [self, close](error_code ec, size_t) {
                        if (ec)
                          return;
                        if (close)
                          self->shut();
                        else
                          self->read();
                      });
  }

  void shut() {
    error_code ignored;
    auto& sock = [this]() -> tcp::socket& {
      if constexpr (std::is_same_v<Stream, tcp::socket>)
        return stream_;
      else
        return stream_.next_layer();
    }();
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }

  // Sessions never outlive the server: they live in its io_context.
  canned_http_server::impl* srv_;
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string out_;
};

} // namespace

void canned_http_server::impl::accept() {
  auto self = this;
  acceptor.async_accept([self](error_code ec, tcp::socket s) {
    if (ec)
      return;
    ++self->accepted;
    error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    if (self->tls)
      std::make_shared<session<ssl::stream<tcp::socket>>>(self, std::move(s),
                                                         *self->tls)
        ->start();
    else
      std::make_shared<session<tcp::socket>>(self, std::move(s))->start();
    self->accept();
  });
}

canned_http_server::canned_http_server(handler h, const net::tls_files* tls)
  : impl_(std::make_unique<impl>()) {
  impl_->on_request = std::move(h);
  if (tls) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->certificate);
    impl_->tls->use_private_key_file(tls->private_key, ssl::context::pem);
  }
  impl_->accept();
  impl_->thread = std::thread([d = impl_.get()] { d->ioc.run(); });
}

canned_http_server::~canned_http_server() {
  impl_->ioc.stop();
  impl_->thread.join();
}

uint16_t canned_http_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string canned_http_server::url() const {
  return std::string{impl_->tls ? "https" : "http"} + "://127.0.0.1:"
         + std::to_string(port());
}

std::vector<http::request> canned_http_server::requests() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->seen;
}

size_t canned_http_server::connections() const {
  return impl_->accepted;
}

void canned_http_server::set_handler(handler h) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->on_request = std::move(h);
}

uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor a{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  auto port = a.local_endpoint().port();
  a.close();
  return port;
}

} // namespace vmforge::test
