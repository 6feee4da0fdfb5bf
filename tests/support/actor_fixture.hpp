#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/test/dsl.hpp>

#include "app/message_types.hpp"
#include "app/type_ids.hpp"

// What every actor protocol test (a CAF_SUITE under tests/unit/actors)
// builds on: CAF's deterministic test coordinator over an actor system that
// knows vmforge's messages and error categories.
namespace vmforge::test {

struct actor_config : caf::actor_system_config {
  actor_config() {
    register_messages(*this);
  }
};

/// The test coordinator, and the answers to what the test sent from its
/// `self`.
struct actor_fixture : test_coordinator_fixture<actor_config> {
  bool answered() {
    return self.ptr()->peek_at_next_mailbox_element() != nullptr;
  }

  /// The next answer, which must be an `Answer`.
  template <class Answer>
  Answer answer() {
    CAF_REQUIRE(answered());
    Answer out;
    self->receive([&](Answer& x) { out = std::move(x); },
                  [](caf::error& err) { CAF_FAIL(to_string(err)); });
    return out;
  }

  /// The next answer, which must be an error.
  template <class Answer>
  caf::error refusal() {
    CAF_REQUIRE(answered());
    caf::error out;
    self->receive([](Answer&) { CAF_FAIL("the request was granted"); },
                  [&](caf::error& err) { out = std::move(err); });
    return out;
  }
};

/// A function-based stub as a class-based actor: CAF 0.17 binds a null
/// argument tuple when a function-based actor is spawned without
/// arguments, undefined behaviour that UBSan aborts on. Spawn it with
/// `sys.spawn<stub<Base, fun>>()`.
template <class Base, caf::behavior (*Fun)(Base*)>
class stub : public Base {
public:
  using Base::Base;

  caf::behavior make_behavior() override {
    return Fun(this);
  }
};

/// The next message a stand-in kept in its `inbox`, which must be a `T`.
template <class T, class State>
T next_in(State& st) {
  CAF_REQUIRE(!st.inbox.empty());
  caf::message msg = std::move(st.inbox.front());
  st.inbox.pop_front();
  if (!msg.match_elements<T>())
    CAF_FAIL("unexpected message: " << caf::to_string(msg));
  return msg.get_as<T>(0);
}

} // namespace vmforge::test
