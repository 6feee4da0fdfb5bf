#include <catch2/catch.hpp>

#include <string>

#include "tests/support/http_test_server.hpp"

using namespace vmforge::test;

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
