#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "http/server.hpp"
#include "net/tls_options.hpp"

// An echo server on a free port with small limits, and a raw TCP client,
// for the tests of the HTTP server; a canned server for the tests of HTTP
// clients.
namespace vmforge::test {

inline http::response answer(unsigned status, const std::string& text) {
  http::response res{static_cast<http::beast_http::status>(status), 11};
  res.body() = text;
  return res;
}

struct test_server {
  explicit test_server(http::server_options opts)
    : srv(opts,
          [](http::request&& req, http::responder done) {
            done(answer(200, "echo:" + req.body()));
          },
          [](unsigned status, const std::string& msg) {
            return answer(status, msg);
          }) {
    srv.start();
  }
  http::server srv;
};

inline http::server_options quick(size_t max_connections = 64) {
  http::server_options o;
  o.listen = "127.0.0.1";
  o.port = 0;
  o.io_threads = 1;
  o.idle_timeout = std::chrono::seconds{1};
  o.io_timeout = std::chrono::seconds{1};
  o.header_limit = 1024;
  o.max_connections = max_connections;
  return o;
}

struct client {
  using tcp = boost::asio::ip::tcp;

  explicit client(uint16_t port) : sock(ioc) {
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  void send(const std::string& text) {
    boost::asio::write(sock, boost::asio::buffer(text));
  }
  // Everything until the server closes (or `limit` bytes).
  std::string read_all(size_t limit = 65536) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (out.size() < limit) {
      auto n = sock.read_some(boost::asio::buffer(buf), ec);
      if (ec)
        break;
      out.append(buf, n);
    }
    return out;
  }
  boost::asio::io_context ioc;
  tcp::socket sock;
};

/// One scripted answer of canned_http_server, written as given: it may lie
/// about its length, which http::server (prepare_payload) never does.
struct canned_reply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The Content-Length sent: -1 the body's size, -2 none (the body ends
  /// when the connection closes). More than the body's size: as Glance
  /// serving a truncated file, the connection stays open unless the
  /// request said Connection: close.
  int64_t content_length = -1;
  /// Close the connection after this answer (Connection: close).
  bool close = false;
  /// Close it after this answer without saying so beforehand, as a server
  /// whose keep-alive timeout expired.
  bool drop = false;
};

/// `body` as application/json with Glance's x-openstack-request-id.
inline canned_reply json_reply(unsigned status, std::string body,
                               std::string request_id = "req-canned") {
  canned_reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"},
               {"x-openstack-request-id", std::move(request_id)}};
  return r;
}

/// Glance's plain-text error (docs/images.md A.10):
/// "<code> <title>\n\n<message>\n\n   ".
inline canned_reply text_error(unsigned status, const std::string& title,
                               const std::string& message,
                               std::string request_id = "req-canned") {
  canned_reply r;
  r.status = status;
  r.body = std::to_string(status) + " " + title + "\n\n" + message + "\n\n   ";
  r.headers = {{"Content-Type", "text/plain; charset=UTF-8"},
               {"x-openstack-request-id", std::move(request_id)}};
  return r;
}

/// An HTTP/1.1 server on 127.0.0.1 (a free port), on a thread of its own,
/// that answers every request with what `handler` returns (called on that
/// thread), keeping connections alive unless told otherwise. With `tls`,
/// https with that certificate and key. It records every request.
class canned_http_server {
public:
  using handler = std::function<canned_reply(const http::request&)>;

  explicit canned_http_server(handler h, const net::tls_files* tls = nullptr);
  ~canned_http_server();
  canned_http_server(const canned_http_server&) = delete;
  canned_http_server& operator=(const canned_http_server&) = delete;

  uint16_t port() const;
  /// http(s)://127.0.0.1:PORT
  std::string url() const;
  /// Every request so far, in order.
  std::vector<http::request> requests() const;
  /// Connections accepted so far.
  size_t connections() const;
  void set_handler(handler h);

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// A loopback port nothing listens on (bound, then closed).
uint16_t closed_port();

} // namespace vmforge::test
