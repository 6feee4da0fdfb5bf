#pragma once

#include <chrono>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "http/server.hpp"

// An echo server on a free port with small limits, and a raw TCP client,
// for the tests of the HTTP server.
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

} // namespace vmforge::test
