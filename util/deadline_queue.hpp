#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include <caf/detail/type_traits.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>
#include <caf/timespan.hpp>

// Deadlines of requests that all wait equally long, so that they expire in
// the order they were made: an actor keeps one timer for all of them
// instead of one per request. A CAF request timeout costs a clock insertion
// and removal under a lock: 8 % of a GET /servers/{id} (bench/, A/B).
namespace vmforge {

class deadline_queue {
public:
  using time_point = std::chrono::steady_clock::time_point;
  /// Shared by a request's answer and its deadline: whichever comes first
  /// settles it, the other finds it settled.
  using token = std::shared_ptr<bool>;

  /// A request due at `at` (not before one added earlier); `on_expiry`
  /// runs from expire() unless the request was settled by then.
  token add(time_point at, std::function<void()> on_expiry) {
    drop_settled();
    auto t = std::make_shared<bool>(false);
    entries_.push_back({at, t, std::move(on_expiry)});
    return t;
  }

  /// Settles the request; false if it was settled (expired) already.
  static bool settle(const token& t) {
    if (*t)
      return false;
    *t = true;
    return true;
  }

  /// Runs the expiry of every unsettled request due at `now`; answers when
  /// the next one is due, if any is pending.
  std::optional<time_point> expire(time_point now) {
    while (!entries_.empty() && entries_.front().at <= now) {
      auto e = std::move(entries_.front());
      entries_.pop_front();
      if (settle(e.settled))
        e.on_expiry();
    }
    drop_settled();
    if (entries_.empty())
      return std::nullopt;
    return entries_.front().at;
  }

  size_t size() const {
    return entries_.size();
  }

private:
  struct entry {
    time_point at;
    token settled;
    std::function<void()> on_expiry;
  };

  // Answers come back roughly in order: the queue stays short.
  void drop_settled() {
    while (!entries_.empty() && *entries_.front().settled)
      entries_.pop_front();
  }

  std::deque<entry> entries_;
};

/// An actor's requests with deadlines, on one timer: the actor handles
/// `Tick` by calling on_tick().
template <class Tick>
class request_deadlines {
public:
  using duration = std::chrono::steady_clock::duration;

  /// Requests `msg` of `dest`: `on_reply` or `on_error` runs with its
  /// answer, or on_error(sec::request_timeout) after `wait`, whichever
  /// comes first; the other is dropped.
  template <class Self, class Dest, class Msg, class OnReply, class OnError>
  void request(Self* self, const Dest& dest, duration wait, Msg msg,
               OnReply on_reply, OnError on_error) {
    using reply = std::decay_t<caf::detail::tl_head_t<
      typename caf::detail::get_callable_trait<OnReply>::arg_types>>;
    auto due = self->clock().now() + wait;
    auto open = queue_.add(due, [on_error]() mutable {
      auto err = caf::make_error(caf::sec::request_timeout);
      on_error(err);
    });
    if (!armed_)
      arm(self, due);
    self->request(dest, caf::infinite, std::move(msg))
      .then(
        [open, on_reply](reply& x) mutable {
          if (deadline_queue::settle(open))
            on_reply(x);
        },
        [open, on_error](caf::error& err) mutable {
          if (deadline_queue::settle(open))
            on_error(err);
        });
  }

  template <class Self>
  void on_tick(Self* self) {
    armed_ = false;
    if (auto next = queue_.expire(self->clock().now()))
      arm(self, *next);
  }

private:
  template <class Self>
  void arm(Self* self, deadline_queue::time_point due) {
    armed_ = true;
    self->delayed_send(self, due - self->clock().now(), Tick{});
  }

  deadline_queue queue_;
  bool armed_ = false;
};

} // namespace vmforge
