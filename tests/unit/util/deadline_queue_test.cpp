#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "util/deadline_queue.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

TEST_CASE("deadlines expire in order, only the unsettled ones, and say when "
          "the next is due",
          "[deadline_queue]") {
  deadline_queue q;
  deadline_queue::time_point t0{};
  std::vector<std::string> expired;
  auto a = q.add(t0 + 10s, [&] { expired.push_back("a"); });
  auto b = q.add(t0 + 20s, [&] { expired.push_back("b"); });
  auto c = q.add(t0 + 30s, [&] { expired.push_back("c"); });
  CHECK(deadline_queue::settle(b));
  CHECK_FALSE(deadline_queue::settle(b));
  CHECK(q.expire(t0 + 9s) == t0 + 10s);
  CHECK(expired.empty());
  CHECK(q.expire(t0 + 25s) == t0 + 30s);
  CHECK(expired == std::vector<std::string>{"a"});
  // An answer after its deadline finds the request settled.
  CHECK_FALSE(deadline_queue::settle(a));
  CHECK(deadline_queue::settle(c));
  CHECK(q.expire(t0 + 40s) == std::nullopt);
  CHECK(expired == std::vector<std::string>{"a"});
}

TEST_CASE("settled requests leave the queue as new ones come",
          "[deadline_queue]") {
  deadline_queue q;
  deadline_queue::time_point t0{};
  for (int i = 0; i < 1000; ++i)
    deadline_queue::settle(q.add(t0 + 30s, [] {}));
  CHECK(q.size() == 1);
}
