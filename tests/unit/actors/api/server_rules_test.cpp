#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

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

const char* const power_keys[] = {"os-stop", "os-start", "reboot",
                                  "pause",   "unpause",  "suspend",
                                  "resume",  "restore",  "rescue",
                                  "unrescue"};

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
  // Nova's rescue: from ACTIVE, SHUTOFF or ERROR; unrescue from RESCUED.
  auto rescue = power_action("rescue");
  REQUIRE(rescue != nullptr);
  CHECK(rescue->task == task_state::rescuing);
  CHECK(rescue->allowed.contains(vm_state::active));
  CHECK(rescue->allowed.contains(vm_state::stopped));
  CHECK(rescue->allowed.contains(vm_state::error));
  CHECK_FALSE(rescue->allowed.contains(vm_state::paused));
  auto unrescue = power_action("unrescue");
  REQUIRE(unrescue != nullptr);
  CHECK(unrescue->allowed.contains(vm_state::rescued));
  CHECK_FALSE(unrescue->allowed.contains(vm_state::active));
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

namespace {

// Nova's check_instance_state sets of createImage and the shelve actions.
struct state_rule {
  const server_rule* rule;
  std::vector<vm_state> allowed;
  bool checks_lock;
  task_state task;
};

std::vector<state_rule> image_rules() {
  using vs = vm_state;
  return {
    {&create_image_rule,
     {vs::active, vs::stopped, vs::paused, vs::suspended},
     false,
     task_state::image_snapshot_pending},
    {shelve_action("shelve"),
     {vs::active, vs::stopped, vs::paused, vs::suspended},
     true,
     task_state::shelving},
    {shelve_action("shelveOffload"), {vs::shelved}, true,
     task_state::shelving_offloading},
    {shelve_action("unshelve"), {vs::shelved, vs::shelved_offloaded}, true,
     task_state::unshelving},
  };
}

} // namespace

TEST_CASE("server_rules: the shelve actions by body key", "[server_rules]") {
  REQUIRE(shelve_action("shelve") != nullptr);
  CHECK(std::string{shelve_action("shelve")->name} == "shelve");
  CHECK(std::string{shelve_action("shelveOffload")->name} == "shelveOffload");
  CHECK(std::string{shelve_action("unshelve")->name} == "unshelve");
  CHECK(shelve_action("createImage") == nullptr);
  CHECK(shelve_action("shelve_offload") == nullptr);
  CHECK(std::string{create_image_rule.name} == "createImage");
  // None of them is a power action.
  for (auto key : {"shelve", "shelveOffload", "unshelve", "createImage"})
    CHECK(power_action(key) == nullptr);
}

TEST_CASE("server_rules: createImage and the shelve actions in every "
          "vm_state, with Nova's 409",
          "[server_rules]") {
  for (auto& r : image_rules()) {
    REQUIRE(r.rule != nullptr);
    CHECK(r.rule->task == r.task);
    for (auto vm : all_vm_states) {
      INFO(r.rule->name << " in " << to_string(vm));
      auto allowed = std::find(r.allowed.begin(), r.allowed.end(), vm)
                     != r.allowed.end();
      auto err = check(*r.rule, row_in(vm), false);
      if (allowed) {
        CHECK_FALSE(err);
        continue;
      }
      CHECK(err == errc::instance_invalid_state);
      CHECK(error_message(err)
            == std::string{"Cannot '"} + r.rule->name
                 + "' instance i-1 while it is in vm_state " + to_string(vm));
    }
    // A task in progress refuses it in an allowed state.
    auto busy = check(*r.rule, row_in(r.allowed.front(),
                                      task_state::image_uploading),
                      false);
    CHECK(error_message(busy)
          == std::string{"Cannot '"} + r.rule->name
               + "' instance i-1 while it is in task_state image_uploading");
  }
  CHECK(error_message(check(*shelve_action("shelve"),
                            row_in(vm_state::shelved), false))
        == "Cannot 'shelve' instance i-1 while it is in vm_state shelved");
}

TEST_CASE("server_rules: a lock refuses shelve, shelveOffload and unshelve, "
          "never createImage",
          "[server_rules]") {
  for (auto& r : image_rules()) {
    INFO(r.rule->name);
    auto locked = row_in(r.allowed.front(), task_state::none, true);
    auto err = check(*r.rule, locked, false);
    if (r.checks_lock)
      CHECK(err == errc::instance_is_locked);
    else
      CHECK_FALSE(err);
    CHECK_FALSE(check(*r.rule, locked, true));
  }
}

TEST_CASE("server_rules: the store starts createImage and the shelve actions "
          "exactly where check allows them",
          "[server_rules]") {
  for (auto& r : image_rules())
    for (auto vm : all_vm_states)
      for (auto task : {task_state::none, task_state::shelving})
        for (auto locked : {false, true})
          for (auto admin : {false, true}) {
            auto row = row_in(vm, task, locked);
            memory_repository repo;
            repo.load({row}, {});
            auto begun = repo.begin(begin_of(*r.rule, row.id, admin));
            REQUIRE(begun);
            INFO(r.rule->name << " " << to_string(vm) << "/"
                              << to_string(task) << " locked=" << locked
                              << " admin=" << admin);
            CHECK(begun->started == !check(*r.rule, row, admin));
            CHECK(begun->row.task == (begun->started ? r.rule->task : task));
          }
}

TEST_CASE("server_rules: a console needs a host and no delete",
          "[server_rules]") {
  instance row;
  row.id = "i-1";
  row.vm = vm_state::building;
  row.task = task_state::scheduling;
  CHECK(check_console(row) == errc::instance_not_ready);
  row.host = "compute-1";
  row.vm = vm_state::active;
  row.task = task_state::none;
  CHECK(!check_console(row));
  row.vm = vm_state::stopped;
  CHECK(!check_console(row));
  row.task = task_state::deleting;
  CHECK(check_console(row) == errc::instance_invalid_state);
}
