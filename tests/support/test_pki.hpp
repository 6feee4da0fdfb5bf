#pragma once

#include <string>

#include "net/tls_options.hpp"
#include "tests/support/temp_dir.hpp"

namespace vmforge::test {

/// A throwaway PKI made with the openssl command: a CA with a server
/// certificate (subjectAltName IP:127.0.0.1 and DNS:controller.test,
/// serverAuth) and a client certificate (clientAuth), and a rogue CA with
/// a client certificate of its own.
struct test_pki {
  temp_dir dir;

  test_pki();

  net::tls_files server() const;
  net::tls_files client() const;
  /// The rogue client's certificate, trusting the real CA for the server.
  net::tls_files rogue_client() const;

private:
  std::string file(const std::string& name) const;
  void run(const std::string& args) const;
  void make_ca(const std::string& name) const;
  void make_leaf(const std::string& name, const std::string& ca,
                 const std::string& extensions) const;
};

} // namespace vmforge::test
