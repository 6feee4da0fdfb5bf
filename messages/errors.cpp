#include "messages/errors.hpp"

#include <caf/message.hpp>

namespace vmforge {

std::string to_string(api_errc x) {
  switch (x) {
    case api_errc::bad_request:
      return "bad_request";
    case api_errc::forbidden:
      return "forbidden";
    case api_errc::not_found:
      return "not_found";
    case api_errc::conflict:
      return "conflict";
    case api_errc::over_limit:
      return "over_limit";
    case api_errc::unavailable:
      return "unavailable";
    case api_errc::internal:
      return "internal";
  }
  return "unknown";
}

std::string to_string(sched_errc x) {
  switch (x) {
    case sched_errc::no_valid_host:
      return "no_valid_host";
    case sched_errc::claim_failed:
      return "claim_failed";
  }
  return "unknown";
}

std::string error_message(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return caf::to_string(err);
}

} // namespace vmforge
