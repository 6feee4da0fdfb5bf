#include <catch2/catch.hpp>

#include "actors/compute/console_tail.hpp"

using namespace vmforge;

TEST_CASE("console_tail keeps the last lines as Nova's _tail_log",
          "[console_tail]") {
  const std::string log = "one\ntwo\nthree\n";
  CHECK(console_tail(log, -1) == log);
  CHECK(console_tail(log, 0).empty());
  // The piece after the last newline is an (empty) line of its own.
  CHECK(console_tail(log, 1).empty());
  CHECK(console_tail(log, 2) == "three\n");
  CHECK(console_tail(log, 3) == "two\nthree\n");
  CHECK(console_tail(log, 100) == log);
  CHECK(console_tail("no newline", 1) == "no newline");
  CHECK(console_tail("\nx", 2) == "\nx");
  CHECK(console_tail("", 5).empty());
}

TEST_CASE("console_tail answers ASCII without control characters",
          "[console_tail]") {
  CHECK(console_tail("a\r\nb\tc\x1b[0m\x07\n", -1) == "a\nb\tc[0m\n");
  CHECK(console_tail("caf\xc3\xa9\n", -1) == "caf\xef\xbf\xbd\xef\xbf\xbd\n");
}
