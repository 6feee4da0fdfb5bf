#pragma once

#include <caf/meta/type_name.hpp>

namespace vmforge {

/// An actor's own timer for the deadlines of its requests
/// (util/deadline_queue.hpp): overdue requests fail.
struct deadline_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deadline_tick&) {
  return f(caf::meta::type_name("deadline_tick"));
}

} // namespace vmforge
