#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

#include "messages/image.hpp"

// Who is calling (Nova's RequestContext), carried by every API request.
namespace vmforge {

/// Who is calling (Nova's RequestContext).
struct request_context {
  std::string user_id;
  std::string project_id;
  bool is_admin = false;
  /// req-<uuid> of the HTTP request (instance actions are keyed by it).
  std::string request_id;
  /// The caller's Keystone token (auth_strategy = keystone), which calls to
  /// the image service carry; empty with noauth2.
  std::string auth_token;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_context& x) {
  return f(caf::meta::type_name("request_context"), x.user_id, x.project_id,
           x.is_admin, x.request_id, x.auth_token);
}

/// The image service's view of the caller.
inline image_auth image_auth_of(const request_context& ctx) {
  return image_auth{ctx.auth_token, ctx.user_id, ctx.project_id, ctx.is_admin};
}

} // namespace vmforge
