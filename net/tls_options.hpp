#pragma once

#include <string>

namespace vmforge::net {

/// The PEM files of one side of a mutually authenticated TLS connection.
struct tls_files {
  /// This side's certificate chain, leaf first.
  std::string certificate;
  std::string private_key;
  /// The CA that signed the peers this side accepts.
  std::string ca_file;
};

} // namespace vmforge::net
