#pragma once

#include <exception>
#include <string>

#include <caf/error.hpp>
#include <caf/sec.hpp>

namespace vmforge {

/// A worker's exception as its exit reason (its exception handler): the
/// exception's text, which its owner logs and reports.
inline caf::error exception_reason(std::exception_ptr& eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error,
                           std::string{"unknown exception"});
  }
}

} // namespace vmforge
