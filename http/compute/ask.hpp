#pragma once

#include <chrono>

#include <caf/all.hpp>

#include "http/compute/call.hpp"
#include "http/compute/compute_api.hpp"

namespace vmforge::http {

namespace detail {

// A short-lived actor per request: it sends the message, runs on_reply (or
// on_error) when the API handler answers, and ends.
template <class Reply, class Msg, class F, class E>
void asker(caf::event_based_actor* self, api_actor dest, Msg msg, F on_reply,
           E on_error) {
  self->request(dest, std::chrono::seconds{60}, std::move(msg))
    .then([on_reply](Reply& r) mutable { on_reply(r); },
          [on_error](caf::error& err) mutable { on_error(err); });
}

} // namespace detail

/// Asks the API handler; `on_reply(Reply&)` or `on_error(caf::error&)` runs
/// on an actor thread.
template <class Reply, class Msg, class F, class E>
void ask(compute_api& api, Msg msg, F on_reply, E on_error) {
  api.system().spawn(detail::asker<Reply, Msg, F, E>, api.api(),
                     std::move(msg), std::move(on_reply), std::move(on_error));
}

/// The same, errors answered as reply_error maps them.
template <class Reply, class Msg, class F>
void ask(compute_api& api, const call_ptr& c, Msg msg, F on_reply) {
  ask<Reply>(api, std::move(msg), std::move(on_reply),
             [c](caf::error& err) { reply_error(c, err); });
}

} // namespace vmforge::http
