#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

// Who is calling (Nova's RequestContext), carried by every API request.
namespace vmforge {

/// Who is calling (Nova's RequestContext).
struct request_context {
  std::string user_id;
  std::string project_id;
  bool is_admin = false;
  /// req-<uuid> of the HTTP request (instance actions are keyed by it).
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_context& x) {
  return f(caf::meta::type_name("request_context"), x.user_id, x.project_id,
           x.is_admin, x.request_id);
}

} // namespace vmforge
