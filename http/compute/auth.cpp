#include "http/compute/auth.hpp"

#include <sstream>

namespace vmforge::http {

namespace {

std::string header(const request& req, const char* name) {
  auto i = req.find(name);
  return i == req.end() ? std::string{} : std::string{i->value()};
}

bool has_role(const std::string& roles, const std::string& role) {
  std::stringstream in{roles};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    if (b != std::string::npos && item.substr(b, e - b + 1) == role)
      return true;
  }
  return false;
}

} // namespace

std::optional<request_context> authenticate(const request& req,
                                            auth_strategy strategy) {
  if (strategy == auth_strategy::noauth2) {
    auto token = header(req, "X-Auth-Token");
    if (token.empty())
      return std::nullopt;
    auto colon = token.find(':');
    request_context ctx;
    ctx.user_id = token.substr(0, colon);
    ctx.project_id = colon == std::string::npos ? ctx.user_id
                                                : token.substr(colon + 1);
    if (ctx.user_id.empty() || ctx.project_id.empty())
      return std::nullopt;
    ctx.is_admin = ctx.user_id == "admin";
    return ctx;
  }
  if (header(req, "X-Identity-Status") == "Invalid")
    return std::nullopt;
  request_context ctx;
  ctx.user_id = header(req, "X-User-Id");
  ctx.project_id = header(req, "X-Project-Id");
  if (ctx.user_id.empty() || ctx.project_id.empty())
    return std::nullopt;
  ctx.is_admin = has_role(header(req, "X-Roles"), "admin");
  // Passed on to Glance, as Nova's context passes the user's token.
  ctx.auth_token = header(req, "X-Auth-Token");
  return ctx;
}

} // namespace vmforge::http
