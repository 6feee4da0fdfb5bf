#include <catch2/catch.hpp>

#include "actors/api/server_rules.hpp"
#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "store/memory_repository.hpp"

using namespace vmforge;

namespace {

instance row_in(vm_state vm, task_state task = task_state::none,
                bool locked = false) {
  instance row;
  row.id = "i-1";
  row.project_id = "p";
  row.vm = vm;
  row.task = task;
  row.locked = locked;
  return row;
}

const char* const power_keys[] = {"os-stop", "os-start", "reboot", "pause",
                                  "unpause", "suspend",  "resume",
                                  "restore"};

} // namespace

TEST_CASE("server_rules: power actions by body key", "[server_rules]") {
  auto stop = power_action("os-stop");
  REQUIRE(stop != nullptr);
  CHECK(std::string{stop->name} == "stop");
  CHECK(stop->task == task_state::powering_off);
  CHECK(stop->allowed.contains(vm_state::active));
  CHECK(stop->allowed.contains(vm_state::error));
  CHECK_FALSE(stop->allowed.contains(vm_state::stopped));
  auto soft = power_action("reboot", false);
  auto hard = power_action("reboot", true);
  REQUIRE(soft != nullptr);
  REQUIRE(hard != nullptr);
  CHECK(soft->task == task_state::rebooting);
  CHECK(hard->task == task_state::rebooting_hard);
  CHECK_FALSE(soft->allowed.contains(vm_state::stopped));
  CHECK(hard->allowed.contains(vm_state::stopped));
  CHECK(power_action("lock") == nullptr);
  CHECK(power_action("os-reboot") == nullptr);
}

TEST_CASE("server_rules: every power action runs a driver call whose "
          "completion follows its task",
          "[server_rules]") {
  for (auto key : power_keys)
    for (auto hard : {false, true}) {
      auto rule = power_action(key, hard);
      REQUIRE(rule != nullptr);
      auto call = call_of(rule->task);
      REQUIRE(call);
      CHECK(tasks_of(*call).contains(rule->task));
    }
  CHECK(call_of(task_state::deleting) == std::nullopt);
  CHECK(result_of(driver_call::power_off) == vm_state::stopped);
  CHECK(result_of(driver_call::suspend) == vm_state::suspended);
}

TEST_CASE("server_rules: a lock refuses non-admins, once for every rule",
          "[server_rules]") {
  auto locked = row_in(vm_state::active, task_state::none, true);
  for (auto rule : {&delete_rule, &metadata_rule, power_action("os-stop")}) {
    auto err = check(*rule, locked, false);
    CHECK(err == errc::instance_is_locked);
    CHECK(error_message(err) == "Instance i-1 is locked");
    CHECK_FALSE(check(*rule, locked, true));
  }
}

TEST_CASE("server_rules: the vm_state, then the task, with Nova's message",
          "[server_rules]") {
  auto stop = *power_action("os-stop");
  auto err = check(stop, row_in(vm_state::stopped), false);
  CHECK(err == errc::instance_invalid_state);
  CHECK(error_message(err)
        == "Cannot 'stop' instance i-1 while it is in vm_state stopped");
  err = check(stop, row_in(vm_state::active, task_state::rebooting), false);
  CHECK(error_message(err)
        == "Cannot 'stop' instance i-1 while it is in task_state rebooting");
  // A lock is reported before the state.
  err = check(stop, row_in(vm_state::stopped, task_state::none, true), false);
  CHECK(err == errc::instance_is_locked);
  CHECK_FALSE(check(stop, row_in(vm_state::active), false));
}

TEST_CASE("server_rules: delete and metadata check no state",
          "[server_rules]") {
  for (auto vm : all_vm_states)
    for (auto task : {task_state::none, task_state::scheduling,
                      task_state::deleting, task_state::powering_off}) {
      CHECK_FALSE(check(delete_rule, row_in(vm, task), false));
      CHECK_FALSE(check(metadata_rule, row_in(vm, task), false));
    }
}

TEST_CASE("server_rules: the store starts a task exactly where check "
          "allows it",
          "[server_rules]") {
  for (auto key : power_keys)
    for (auto hard : {false, true})
      for (auto vm : all_vm_states)
        for (auto task : {task_state::none, task_state::powering_on})
          for (auto locked : {false, true})
            for (auto admin : {false, true}) {
              auto rule = *power_action(key, hard);
              auto row = row_in(vm, task, locked);
              memory_repository repo;
              repo.load({row}, {});
              auto begun = repo.begin(begin_of(rule, row.id, admin));
              REQUIRE(begun);
              INFO(key << " hard=" << hard << " " << to_string(vm) << "/"
                       << to_string(task) << " locked=" << locked
                       << " admin=" << admin);
              CHECK(begun->started == !check(rule, row, admin));
              CHECK(begun->row.task == (begun->started ? rule.task : task));
            }
}
