#pragma once

#include <map>
#include <string>

#include "actors/store/store_actor.hpp"
#include "messages/instance.hpp"

// What the admin actions and os-server-password do to an instance row
// (nova/api/openstack/compute/admin_actions.py, nova/api/metadata/
// password.py), kept apart from the actor that sends it.
namespace vmforge {

/// os-resetState: `state` set and the task cleared whatever it was (Nova's
/// instance.save(admin_state_reset=True) skips expected_task_state), and
/// written at once: the 202 waits for it.
instance_update reset_state_update(const std::string& id, vm_state state);

/// The system metadata keys the metadata service splits a guest's
/// encrypted password into (password_0 .. password_3).
inline constexpr const char* password_key_prefix = "password_";

/// Nova's extract_password: the password_* values joined in key order;
/// empty when there are none.
std::string extract_password(
  const std::map<std::string, std::string>& system_metadata);

} // namespace vmforge
