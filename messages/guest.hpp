#pragma once

#include <map>
#include <string>

#include <caf/meta/type_name.hpp>

namespace vmforge {

/// What a guest is told at boot through its config drive (Nova's
/// InstanceMetadata): carried from the instance row to the host's driver.
struct guest_data {
  std::string key_name;
  /// The keypair's public key, as it was at create.
  std::string key_data;
  /// Base64, as the create took it.
  std::string user_data;
  std::map<std::string, std::string> metadata;
  bool config_drive = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, guest_data& x) {
  return f(caf::meta::type_name("guest_data"), x.key_name, x.key_data,
           x.user_data, x.metadata, x.config_drive);
}

} // namespace vmforge
