#pragma once

#include <optional>
#include <string>

#include "http/server.hpp"
#include "messages/context.hpp"

// Who is calling, from the request's headers ([api] auth_strategy).
namespace vmforge::http {

enum class auth_strategy {
  /// Nova's noauth2: X-Auth-Token "user:project" (or just "user", whose
  /// project is then the user); the user "admin" is admin.
  noauth2,
  /// Behind an authenticating proxy such as keystonemiddleware: trust
  /// X-User-Id, X-Project-Id and X-Roles; X-Identity-Status: Invalid is 401.
  keystone,
};

/// The caller, or nullopt when the request must be answered 401.
std::optional<request_context> authenticate(const request& req,
                                            auth_strategy strategy);

} // namespace vmforge::http
