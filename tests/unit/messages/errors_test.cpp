#include <catch2/catch.hpp>

#include "messages/errors.hpp"

using namespace vmforge;

TEST_CASE("a domain error carries Nova's message with its arguments in order",
          "[errors]") {
  auto err = nova_error(errc::instance_not_found, "abc");
  CHECK(err == errc::instance_not_found);
  CHECK(error_message(err) == "Instance abc could not be found.");
  CHECK(error_message(nova_error(errc::over_quota, "instances", 2, 9, 10,
                                 "instances"))
        == "Quota exceeded for instances: Requested 2, but already used 9 of "
           "10 instances");
  CHECK(error_message(nova_error(errc::instance_invalid_state, "stop", "abc",
                                 "vm_state", "stopped"))
        == "Cannot 'stop' instance abc while it is in vm_state stopped");
  CHECK(error_message(nova_error(errc::keypair_limit_exceeded))
        == "Quota exceeded, too many key pairs.");
  CHECK(error_message(nova_error(errc::host_binary_not_found, "nova-compute",
                                 "h"))
        == "Could not find binary nova-compute on host h.");
}

TEST_CASE("every code has Nova's exception name and a message", "[errors]") {
  for (auto i = static_cast<int>(errc::invalid_input);
       i <= static_cast<int>(errc::internal); ++i) {
    auto code = static_cast<errc>(i);
    CHECK(std::string{to_string(code)} != "unknown");
    CHECK_FALSE(nova_message(code, {"x", "y", "z", "v", "w"}).empty());
  }
  CHECK(std::string{to_string(errc::no_valid_host)} == "NoValidHost");
  CHECK(nova_message(errc::no_valid_host, {"There are not enough hosts "
                                           "available."})
        == "No valid host was found. There are not enough hosts available.");
}
