#include "net/tls_acceptor.hpp"

#include <system_error>
#include <time.h>

#include <catch2/catch.hpp>

#include "tests/support/gateway_fixture.hpp"
#include "tests/support/loopback.hpp"

using namespace std::chrono_literals;
using namespace vmforge;
using test::basp_header;
using test::closed_within;
using test::eventually;

namespace {

using gateway = test::gateway_fixture;

std::chrono::nanoseconds process_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

} // namespace

TEST_CASE_METHOD(gateway, "tls_acceptor refuses a client certificate of "
                          "another CA", "[net]") {
  net::tls_acceptor acceptor(acceptor_options());
  acceptor.start();
  net::tls_connector connector(
    connector_options(acceptor, pki.rogue_client()));
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  CHECK(closed_within(local, 5s));
  CHECK(eventually(
    [&] { return acceptor.counters().refused_certificate == 1; }));
  CHECK(acceptor.counters().accepted == 0);
  CHECK(target.connections() == 0);
}

TEST_CASE_METHOD(gateway, "tls_acceptor drops a silent client after the "
                          "handshake timeout without spinning", "[net]") {
  auto opts = acceptor_options();
  opts.handshake_timeout = 300ms;
  net::tls_acceptor acceptor(opts);
  acceptor.start();
  auto wall0 = std::chrono::steady_clock::now();
  auto cpu0 = process_cpu_time();
  auto client = test::connect_local(client_ioc, acceptor.port());
  CHECK(closed_within(client, 5s));
  auto wall = std::chrono::steady_clock::now() - wall0;
  auto cpu = process_cpu_time() - cpu0;
  CHECK(wall >= 290ms);
  // A busy loop would burn a core for the whole wait.
  CHECK(cpu < wall / 5);
  CHECK(acceptor.counters().handshake_timeouts == 1);
  CHECK(target.connections() == 0);
}

TEST_CASE_METHOD(gateway, "tls_acceptor drops a client that sends garbage",
                 "[net]") {
  net::tls_acceptor acceptor(acceptor_options());
  acceptor.start();
  auto client = test::connect_local(client_ioc, acceptor.port());
  boost::asio::write(client, boost::asio::buffer(
                               std::string("GET / HTTP/1.1\r\n\r\n")
                               + std::string(300, '\x17')));
  CHECK(closed_within(client, 5s));
  CHECK(eventually([&] { return acceptor.counters().handshake_failed == 1; }));
  CHECK(acceptor.counters().handshake_timeouts == 0);
  CHECK(target.connections() == 0);
}

TEST_CASE_METHOD(gateway, "tls_acceptor closes connections over "
                          "max_connections at once", "[net]") {
  auto opts = acceptor_options();
  opts.max_connections = 2;
  net::tls_acceptor acceptor(opts);
  acceptor.start();
  auto first = test::connect_local(client_ioc, acceptor.port());
  auto second = test::connect_local(client_ioc, acceptor.port());
  REQUIRE(eventually([&] { return acceptor.counters().active == 2; }));
  auto third = test::connect_local(client_ioc, acceptor.port());
  CHECK(closed_within(third, 2s));
  CHECK(acceptor.counters().over_limit == 1);
  CHECK(acceptor.counters().active == 2);
}

TEST_CASE_METHOD(gateway, "tls_acceptor drops a client announcing a BASP "
                          "frame above max_frame", "[net]") {
  net::tls_acceptor acceptor(acceptor_options());
  acceptor.start();
  net::tls_connector connector(connector_options(acceptor, pki.client()));
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  auto frame = basp_header(4) + "ping";
  CHECK(test::echo(local, frame) == frame);
  boost::asio::write(local, boost::asio::buffer(basp_header(0xFFFFFFF0u)));
  CHECK(closed_within(local, 5s));
  CHECK(eventually([&] { return acceptor.counters().frame_too_large == 1; }));
  CHECK(target.received() == frame.size());
  CHECK(eventually([&] { return acceptor.counters().active == 0; }));
}

TEST_CASE_METHOD(gateway, "tls_acceptor says which port it cannot bind",
                 "[net]") {
  net::tls_acceptor first(acceptor_options());
  first.start();
  auto opts = acceptor_options();
  opts.port = first.port();
  net::tls_acceptor second(opts);
  CHECK_THROWS_AS(second.start(), std::system_error);
  CHECK_THROWS_WITH(second.start(), Catch::Contains(std::to_string(opts.port)));
}

TEST_CASE_METHOD(gateway, "tls_acceptor closes a client whose target "
                          "refuses", "[net]") {
  auto opts = acceptor_options();
  opts.target_port = test::unused_port(client_ioc);
  net::tls_acceptor acceptor(opts);
  acceptor.start();
  net::tls_connector connector(connector_options(acceptor, pki.client()));
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  CHECK(closed_within(local, 5s));
  CHECK(acceptor.counters().accepted == 1);
  CHECK(eventually([&] { return acceptor.counters().active == 0; }));
}

TEST_CASE_METHOD(gateway, "tls_acceptor stop closes spliced connections",
                 "[net]") {
  net::tls_acceptor acceptor(acceptor_options());
  acceptor.start();
  net::tls_connector connector(connector_options(acceptor, pki.client()));
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  auto frame = basp_header(0);
  REQUIRE(test::echo(local, frame) == frame);
  acceptor.stop();
  CHECK(acceptor.counters().active == 0);
  CHECK(closed_within(local, 5s));
}
