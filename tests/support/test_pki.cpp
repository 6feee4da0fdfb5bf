#include "tests/support/test_pki.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vmforge::test {

namespace {

const char* config = R"(
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:controller.test
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
)";

// EC keys: a P-256 key takes a millisecond, an RSA one far longer.
const char* new_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

} // namespace

test_pki::test_pki() {
  std::ofstream(file("pki.cnf")) << config;
  make_ca("ca");
  make_leaf("server", "ca", "server_ext");
  make_leaf("client", "ca", "client_ext");
  make_ca("rogue-ca");
  make_leaf("rogue-client", "rogue-ca", "client_ext");
}

net::tls_files test_pki::server() const {
  return {file("server.pem"), file("server.key"), file("ca.pem")};
}

net::tls_files test_pki::client() const {
  return {file("client.pem"), file("client.key"), file("ca.pem")};
}

net::tls_files test_pki::rogue_client() const {
  return {file("rogue-client.pem"), file("rogue-client.key"), file("ca.pem")};
}

std::string test_pki::file(const std::string& name) const {
  return (dir.path / name).string();
}

void test_pki::run(const std::string& args) const {
  auto log = file("openssl.log");
  auto cmd = "openssl " + args + " >>" + log + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ostringstream out;
    out << std::ifstream(log).rdbuf();
    throw std::runtime_error("failed: " + cmd + "\n" + out.str());
  }
}

void test_pki::make_ca(const std::string& name) const {
  run("req -x509 -config " + file("pki.cnf") + " -extensions ca_ext "
      + new_key + " -keyout " + file(name + ".key") + " -out "
      + file(name + ".pem") + " -days 2 -subj /CN=" + name);
}

void test_pki::make_leaf(const std::string& name, const std::string& ca,
                         const std::string& extensions) const {
  run("req -new -config " + file("pki.cnf") + " " + new_key + " -keyout "
      + file(name + ".key") + " -out " + file(name + ".csr") + " -subj /CN="
      + name);
  run("x509 -req -in " + file(name + ".csr") + " -CA " + file(ca + ".pem")
      + " -CAkey " + file(ca + ".key") + " -set_serial " + std::to_string(
        (std::hash<std::string>{}(name) & 0xffffff) + 1) + " -days 2 -extfile "
      + file("pki.cnf") + " -extensions " + extensions + " -out "
      + file(name + ".pem"));
}

} // namespace vmforge::test
