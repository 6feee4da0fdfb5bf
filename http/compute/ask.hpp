#pragma once

#include <chrono>

#include <caf/all.hpp>

#include "http/compute/call.hpp"
#include "http/compute/compute_api.hpp"

namespace vmforge::http {

namespace detail {

// A short-lived actor per request: it sends the message, runs on_reply (or
// on_error) when the API handler (or the image actor) answers, and ends.
template <class Reply, class Dest, class Msg, class F, class E>
void asker(caf::event_based_actor* self, Dest dest, Msg msg, F on_reply,
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
  api.system().spawn(detail::asker<Reply, api_actor, Msg, F, E>, api.api(),
                     std::move(msg), std::move(on_reply), std::move(on_error));
}

/// The same, errors answered as reply_error maps them.
template <class Reply, class Msg, class F>
void ask(compute_api& api, const call_ptr& c, Msg msg, F on_reply) {
  ask<Reply>(api, std::move(msg), std::move(on_reply),
             [c](caf::error& err) { reply_error(c, err); });
}

/// Asks the image actor (actors/image/image_actor.hpp), which answers
/// within its own deadline, below the 60 s here.
template <class Reply, class Msg, class F, class E>
void ask_images(compute_api& api, Msg msg, F on_reply, E on_error) {
  api.system().spawn(detail::asker<Reply, image_actor, Msg, F, E>,
                     api.images(), std::move(msg), std::move(on_reply),
                     std::move(on_error));
}

} // namespace vmforge::http
