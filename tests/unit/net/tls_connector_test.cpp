#include "net/tls_connector.hpp"

#include <random>

#include <catch2/catch.hpp>

#include "tests/support/gateway_fixture.hpp"
#include "tests/support/loopback.hpp"

using namespace std::chrono_literals;
using namespace vmforge;
using test::closed_within;
using test::eventually;

namespace {

/// With an acceptor to connect to.
struct gateway : test::gateway_fixture {
  net::tls_acceptor acceptor{acceptor_options()};

  gateway() {
    acceptor.start();
  }

  net::tls_connector_options connector_options() {
    return gateway_fixture::connector_options(acceptor, pki.client());
  }
};

std::string random_bytes(size_t n) {
  std::mt19937 gen(42);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(gen());
  return s;
}

} // namespace

TEST_CASE_METHOD(gateway, "tls_connector carries bytes both ways through "
                          "the acceptor", "[net]") {
  auto opts = connector_options();
  SECTION("the server's IP address") {
  }
  SECTION("the server's DNS name") {
    opts.server_name = "controller.test";
  }
  net::tls_connector connector(opts);
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  // BASP frames (the acceptor follows their framing), one larger than
  // the splice's 64 KiB buffers, in turns.
  for (size_t payload : {0, 10, 5000, 100 * 1024, 3}) {
    auto frame = test::basp_header(static_cast<uint32_t>(payload))
                 + random_bytes(payload);
    REQUIRE(test::echo(local, frame) == frame);
  }
  CHECK(target.connections() == 1);
  CHECK(acceptor.counters().accepted == 1);
  // Closing the local side closes the whole way.
  local.close();
  CHECK(eventually([&] { return acceptor.counters().active == 0; }));
}

TEST_CASE_METHOD(gateway, "tls_connector refuses a server certificate for "
                          "another name", "[net]") {
  auto opts = connector_options();
  opts.server_name = "other.test";
  net::tls_connector connector(opts);
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  CHECK(closed_within(local, 5s));
  CHECK(eventually([&] { return acceptor.counters().handshake_failed == 1; }));
  CHECK(target.connections() == 0);
}

TEST_CASE_METHOD(gateway, "tls_connector closes the local connection when "
                          "the controller is unreachable", "[net]") {
  auto opts = connector_options();
  opts.remote_port = test::unused_port(client_ioc);
  net::tls_connector connector(opts);
  connector.start();
  auto local = test::connect_local(client_ioc, connector.port());
  CHECK(closed_within(local, 5s));
}

TEST_CASE_METHOD(gateway, "tls_connector gives up on a controller that "
                          "does not answer the handshake", "[net]") {
  // Listening but never accepting: the kernel completes the connect, and
  // nothing ever answers the ClientHello.
  boost::asio::ip::tcp::acceptor mute(
    client_ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto opts = connector_options();
  opts.remote_port = mute.local_endpoint().port();
  opts.handshake_timeout = 300ms;
  net::tls_connector connector(opts);
  connector.start();
  auto started = std::chrono::steady_clock::now();
  auto local = test::connect_local(client_ioc, connector.port());
  CHECK(closed_within(local, 5s));
  CHECK(std::chrono::steady_clock::now() - started >= 290ms);
}
