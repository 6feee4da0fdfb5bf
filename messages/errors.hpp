#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace vmforge {

/// Failures a caller of the Compute API sees; each maps onto one HTTP status
/// and Nova fault name (see nova-reference.md 1.2).
enum class api_errc : uint8_t {
  bad_request = 1,   // 400 badRequest
  forbidden,         // 403 forbidden (policy, quota)
  not_found,         // 404 itemNotFound
  conflict,          // 409 conflictingRequest
  over_limit,        // 413 overLimit
  unavailable,       // 503 serviceUnavailable
  internal,          // 500 computeFault
};

std::string to_string(api_errc x);

/// Scheduler failures.
enum class sched_errc : uint8_t {
  no_valid_host = 1,
  claim_failed,
};

std::string to_string(sched_errc x);

/// The human-readable text carried in an error's context (the Nova message),
/// or the rendered error if it carries none.
std::string error_message(const caf::error& err);

} // namespace vmforge

CAF_ERROR_CODE_ENUM(vmforge::api_errc, "api_errc")
CAF_ERROR_CODE_ENUM(vmforge::sched_errc, "sched_errc")
