#include <catch2/catch.hpp>

#include <chrono>

#include "util/process.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

TEST_CASE("run_command keeps the output and the exit status", "[process]") {
  auto r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.status == 3);
  CHECK_FALSE(r.timed_out);
  CHECK(r.error.find("out") != std::string::npos);
  CHECK(r.error.find("err") != std::string::npos);
  CHECK(run_command({"no-such-program-vmforge"}).status == 127);
}

TEST_CASE("run_command kills a program that outlives its deadline",
          "[process]") {
  auto start = std::chrono::steady_clock::now();
  auto r = run_command({"sleep", "30"}, 200ms);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CHECK(r.timed_out);
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("did not finish within 200 ms") != std::string::npos);
  CHECK(run_command({"true"}, 5s).ok());
}
