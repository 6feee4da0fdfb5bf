#include <catch2/catch.hpp>

#include <string>

#include "messages/driver_call.hpp"
#include "messages/instance.hpp"

using namespace vmforge;

TEST_CASE("enum values are named by their tables", "[messages]") {
  CHECK(std::string{to_string(driver_call::spawn)} == "spawn");
  CHECK(std::string{to_string(driver_call::get_power_state)}
        == "get_power_state");
  CHECK(std::string{to_string(vm_state::building)} == "building");
  CHECK(std::string{to_string(vm_state::soft_deleted)} == "soft-delete");
  CHECK(std::string{to_string(task_state::none)} == "none");
  CHECK(std::string{to_string(task_state::powering_off)} == "powering-off");
  CHECK(std::string{to_string(task_state::resuming)} == "resuming");
}

TEST_CASE("a value beyond the enum's is unknown", "[messages]") {
  CHECK(std::string{to_string(static_cast<driver_call>(200))} == "unknown");
  CHECK(std::string{to_string(static_cast<vm_state>(200))} == "unknown");
  CHECK(std::string{to_string(static_cast<task_state>(200))} == "unknown");
}
