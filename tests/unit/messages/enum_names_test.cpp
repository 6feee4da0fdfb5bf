#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "messages/actions.hpp"
#include "messages/build_request.hpp"
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
  CHECK(std::string{to_string(driver_call::snapshot)} == "snapshot");
}

TEST_CASE("shelve's and snapshots' states are named as Nova's",
          "[messages]") {
  CHECK(std::string{to_string(vm_state::shelved)} == "shelved");
  CHECK(std::string{to_string(vm_state::shelved_offloaded)}
        == "shelved_offloaded");
  using ts = task_state;
  std::pair<ts, const char*> names[] = {
    {ts::image_snapshot_pending, "image_snapshot_pending"},
    {ts::image_snapshot, "image_snapshot"},
    {ts::image_pending_upload, "image_pending_upload"},
    {ts::image_uploading, "image_uploading"},
    {ts::shelving, "shelving"},
    {ts::shelving_image_pending_upload, "shelving_image_pending_upload"},
    {ts::shelving_image_uploading, "shelving_image_uploading"},
    {ts::shelving_offloading, "shelving_offloading"},
    {ts::unshelving, "unshelving"},
    {ts::spawning, "spawning"}};
  for (auto& [x, name] : names)
    CHECK(std::string{to_string(x)} == name);
  CHECK(std::string{to_string(instance_op::shelve_offload)}
        == "shelve_offload");
}

TEST_CASE("a value beyond the enum's is unknown", "[messages]") {
  CHECK(std::string{to_string(static_cast<driver_call>(200))} == "unknown");
  CHECK(std::string{to_string(static_cast<vm_state>(200))} == "unknown");
  CHECK(std::string{to_string(static_cast<task_state>(200))} == "unknown");
}

TEST_CASE("rescue's states and calls are named as Nova's, and a rescue "
          "leads to RESCUED, an unrescue back to ACTIVE",
          "[messages]") {
  CHECK(std::string{to_string(vm_state::rescued)} == "rescued");
  CHECK(std::string{to_string(task_state::rescuing)} == "rescuing");
  CHECK(std::string{to_string(task_state::unrescuing)} == "unrescuing");
  CHECK(std::string{to_string(driver_call::rescue)} == "rescue");
  CHECK(std::string{to_string(driver_call::unrescue)} == "unrescue");
  CHECK(call_of(task_state::rescuing) == driver_call::rescue);
  CHECK(call_of(task_state::unrescuing) == driver_call::unrescue);
  CHECK(result_of(driver_call::rescue) == vm_state::rescued);
  CHECK(result_of(driver_call::unrescue) == vm_state::active);
  CHECK(tasks_of(driver_call::rescue).contains(task_state::rescuing));
}
