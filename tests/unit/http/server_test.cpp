#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "http/server.hpp"

using namespace vmforge;
using tcp = boost::asio::ip::tcp;

namespace {

http::response answer(unsigned status, const std::string& text) {
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

http::server_options quick(size_t max_connections = 64) {
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

} // namespace

TEST_CASE("the HTTP server answers keep-alive requests on one connection",
          "[http]") {
  test_server t{quick()};
  client c{t.srv.port()};
  c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"
         "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
         "Connection: close\r\n\r\nb");
  auto got = c.read_all();
  CHECK(got.find("echo:a") != std::string::npos);
  CHECK(got.find("echo:b") != std::string::npos);
}

TEST_CASE("an idle or slow client cannot hold a connection", "[http]") {
  test_server t{quick()};
  using clock = std::chrono::steady_clock;
  SECTION("idle after connecting") {
    client c{t.srv.port()};
    auto t0 = clock::now();
    CHECK(c.read_all().empty()); // closed by the server
    CHECK(clock::now() - t0 < std::chrono::seconds{5});
  }
  SECTION("headers that never end") {
    client c{t.srv.port()};
    c.send("GET / HTTP/1.1\r\nHost: x\r\n");
    auto t0 = clock::now();
    c.read_all();
    CHECK(clock::now() - t0 < std::chrono::seconds{5});
  }
  // The closed connections are counted out again.
  for (int i = 0; i < 100 && t.srv.connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  CHECK(t.srv.connections() == 0);
}

TEST_CASE("connections over the cap are refused with 503", "[http]") {
  test_server t{quick(2)};
  client a{t.srv.port()};
  client b{t.srv.port()};
  client c{t.srv.port()};
  CHECK(c.read_all().rfind("HTTP/1.1 503", 0) == 0);
}

TEST_CASE("oversized headers are 400 and oversized bodies 413", "[http]") {
  auto opts = quick();
  opts.body_limit = 10;
  test_server t{opts};
  {
    client c{t.srv.port()};
    c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a')
           + "\r\n\r\n");
    CHECK(c.read_all().rfind("HTTP/1.1 400", 0) == 0);
  }
  {
    client c{t.srv.port()};
    c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"
           "01234567890");
    CHECK(c.read_all().rfind("HTTP/1.1 413", 0) == 0);
  }
}
