#pragma once

#include <chrono>

#include <caf/all.hpp>

#include "http/compute/call.hpp"
#include "http/compute/compute_api.hpp"

namespace vmforge::http {

namespace detail {

// A short-lived actor per request: it sends the message, runs on_reply (or
// answers the error) when the API handler answers, and ends.
template <class Reply, class Msg, class F>
void asker(caf::event_based_actor* self, api_actor dest, Msg msg, call_ptr c,
           F on_reply) {
  self->request(dest, std::chrono::seconds{60}, std::move(msg))
    .then([on_reply](Reply& r) mutable { on_reply(r); },
          [c](caf::error& err) { reply_error(c, err); });
}

} // namespace detail

/// Asks the API handler; `on_reply(Reply&)` runs on an actor thread.
template <class Reply, class Msg, class F>
void ask(compute_api& api, const call_ptr& c, Msg msg, F on_reply) {
  api.system().spawn(detail::asker<Reply, Msg, F>, api.api(), std::move(msg),
                     c, std::move(on_reply));
}

} // namespace vmforge::http
