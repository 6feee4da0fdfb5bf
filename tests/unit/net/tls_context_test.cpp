#include "net/tls_context.hpp"

#include <catch2/catch.hpp>

#include "tests/support/test_pki.hpp"

using namespace vmforge;

TEST_CASE("make_tls_context names the file it cannot load", "[net]") {
  test::test_pki pki;
  auto files = pki.server();
  files.private_key = (pki.dir.path / "missing.key").string();
  CHECK_THROWS_WITH(net::make_tls_context(files, net::tls_role::server),
                    Catch::Contains("missing.key"));
}

TEST_CASE("make_tls_context refuses a key of another certificate", "[net]") {
  test::test_pki pki;
  auto files = pki.server();
  files.private_key = pki.client().private_key;
  CHECK_THROWS_WITH(net::make_tls_context(files, net::tls_role::server),
                    Catch::Contains("private key"));
}
