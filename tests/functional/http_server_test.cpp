#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/support/http_test_server.hpp"

using namespace vmforge::test;

// The server's own timers at work: this takes real time (a second per
// section), which is why it is not among the unit tests.
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
  // The closed connections are counted out again, by the server's thread
  // right after the close the client saw.
  auto deadline = clock::now() + std::chrono::seconds{5};
  while (t.srv.connections() > 0 && clock::now() < deadline)
    std::this_thread::yield();
  CHECK(t.srv.connections() == 0);
}
