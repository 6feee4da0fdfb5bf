#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// A user's SSH or x509 key (os-keypairs).
namespace vmforge {

/// os-keypairs.
struct keypair {
  int64_t id = 0;
  std::string name;
  std::string user_id;
  std::string public_key;
  std::string fingerprint;
  std::string type = "ssh";
  int64_t created_us = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keypair& x) {
  return f(caf::meta::type_name("keypair"), x.id, x.name, x.user_id,
           x.public_key,
           x.fingerprint, x.type, x.created_us);
}

struct keypair_list {
  std::vector<keypair> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, keypair_list& x) {
  return f(caf::meta::type_name("keypair_list"), x.items);
}

} // namespace vmforge
