#include <catch2/catch.hpp>

#include "messages/errors.hpp"
#include "store/memory_repository.hpp"

using namespace vmforge;

namespace {

instance row(const std::string& id, int64_t vcpus = 1, int64_t ram_mb = 512) {
  instance r;
  r.id = id;
  r.project_id = "p";
  r.flavor_ = flavor{"f", "f", vcpus, ram_mb, 1, 0, 0, true, false, {}, {}};
  return r;
}

std::vector<instance> rows(int n, int64_t vcpus = 1, int64_t ram_mb = 512) {
  std::vector<instance> out;
  for (int i = 0; i < n; ++i)
    out.push_back(row("i-" + std::to_string(i), vcpus, ram_mb));
  return out;
}

constexpr int64_t unlimited = -1;

// How many of `n` instances of the flavor a fresh project gets.
size_t granted(int n, int64_t vcpus, int64_t ram_mb,
               const quota_limits& limits) {
  memory_repository repo;
  auto made = repo.create(rows(n, vcpus, ram_mb), 1, limits);
  REQUIRE(made);
  return made->size();
}

// A repository holding one row in `vm` / `task`.
struct one_row {
  memory_repository repo;

  one_row(vm_state vm = vm_state::active, task_state task = task_state::none) {
    REQUIRE(repo.create({row("a")}, 1, {}));
    instance_update u;
    u.id = "a";
    u.vm = vm;
    u.task = task;
    REQUIRE(repo.apply(u) != nullptr);
  }

  // The guard a member's os-stop sets: ACTIVE, no task, not locked.
  caf::expected<task_begun> begin(bool unlocked = true) {
    return repo.begin(begin_task{"a", {vm_state::active}, {task_state::none},
                                 unlocked, task_state::powering_off});
  }

  caf::expected<instance>
  metadata(std::map<std::string, std::string> items, int64_t limit,
           bool replace = false) {
    change_metadata req;
    req.id = "a";
    req.items = std::move(items);
    req.replace = replace;
    req.limit = limit;
    return repo.metadata(req);
  }
};

} // namespace

TEST_CASE("memory_repository: the quota with the least headroom decides",
          "[memory_repository]") {
  CHECK(granted(5, 1, 512, {unlimited, unlimited, unlimited}) == 5);
  CHECK(granted(5, 1, 512, {3, unlimited, unlimited}) == 3);
  CHECK(granted(5, 2, 512, {unlimited, 5, unlimited}) == 2); // 4 of 5 cores
  CHECK(granted(5, 1, 512, {unlimited, unlimited, 1500}) == 2);
  CHECK(granted(5, 2, 512, {4, 7, 1024}) == 2); // ram and cores: 2 and 3
}

TEST_CASE("memory_repository: the headroom is what the project left",
          "[memory_repository]") {
  memory_repository repo;
  quota_limits limits{3, unlimited, unlimited};
  REQUIRE(repo.create({row("a"), row("b")}, 1, limits));
  auto more = repo.create({row("c"), row("d")}, 1, limits);
  REQUIRE(more);
  CHECK(more->size() == 1);
  CHECK(repo.usage("p").instances == 3);
  // Another project has its own.
  auto other = row("x");
  other.project_id = "q";
  CHECK(repo.create({other}, 1, limits));
  // A removed instance gives its share back.
  REQUIRE(repo.remove("a"));
  CHECK(repo.usage("p").instances == 2);
  CHECK(repo.usage("p").cores == 2);
  CHECK(repo.create({row("e")}, 1, limits));
}

TEST_CASE("memory_repository: below min_count nothing is created",
          "[memory_repository]") {
  memory_repository repo;
  auto refused = repo.create(rows(3), 3, {2, unlimited, unlimited});
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == errc::over_quota);
  CHECK(error_message(refused.error())
        == "Quota exceeded for instances: Requested 3, but already used 0 "
           "of 2 instances");
  CHECK(repo.usage("p").instances == 0);
  CHECK(repo.find("i-0") == nullptr);
}

TEST_CASE("memory_repository: begin_task starts the task only while the "
          "row passes its guard",
          "[memory_repository]") {
  SECTION("an allowed state without a task starts it") {
    one_row r;
    auto begun = r.begin();
    REQUIRE(begun);
    CHECK(begun->started);
    CHECK(begun->row.task == task_state::powering_off);
    CHECK(r.repo.find("a")->task == task_state::powering_off);
  }
  SECTION("another vm_state leaves the row as it is, and answers it") {
    one_row r{vm_state::stopped};
    auto begun = r.begin();
    REQUIRE(begun);
    CHECK_FALSE(begun->started);
    CHECK(begun->row.vm == vm_state::stopped);
    CHECK(r.repo.find("a")->task == task_state::none);
  }
  SECTION("a task in progress is not replaced") {
    one_row r{vm_state::active, task_state::rebooting};
    auto begun = r.begin();
    REQUIRE(begun);
    CHECK_FALSE(begun->started);
    CHECK(r.repo.find("a")->task == task_state::rebooting);
  }
  SECTION("a locked row refuses a guard that wants it unlocked") {
    one_row r;
    r.repo.lock(set_locked{"a", true, "maintenance"});
    CHECK_FALSE(r.begin()->started);
    CHECK(r.begin(false)->started);
  }
  SECTION("an unknown instance is not found") {
    memory_repository repo;
    auto missing = repo.begin(begin_task{"z", vm_set::any(), task_set::any(),
                                         false, task_state::powering_off});
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == errc::instance_not_found);
  }
}

TEST_CASE("memory_repository: metadata is merged or replaced within its "
          "limit",
          "[memory_repository]") {
  one_row r;
  REQUIRE(r.metadata({{"a", "1"}, {"b", "2"}}, 3));
  // Merged: b changes, c is added; three items fit.
  auto merged = r.metadata({{"b", "3"}, {"c", "4"}}, 3);
  REQUIRE(merged);
  CHECK(merged->metadata
        == std::map<std::string, std::string>{{"a", "1"}, {"b", "3"},
                                              {"c", "4"}});
  // A fourth is over the limit; the row keeps what it had.
  auto over = r.metadata({{"d", "5"}}, 3);
  REQUIRE_FALSE(over);
  CHECK(over.error() == errc::over_quota);
  CHECK(r.repo.find("a")->metadata.size() == 3);
  // Replacing counts only the new set.
  auto replaced = r.metadata({{"x", "1"}}, 1, true);
  REQUIRE(replaced);
  CHECK(replaced->metadata
        == std::map<std::string, std::string>{{"x", "1"}});
  // No limit (-1) takes anything.
  CHECK(r.metadata({{"y", "1"}, {"z", "1"}}, -1));
}

TEST_CASE("memory_repository: removing a metadata key that is absent is not "
          "found",
          "[memory_repository]") {
  one_row r;
  REQUIRE(r.metadata({{"a", "1"}}, -1));
  change_metadata req;
  req.id = "a";
  req.remove_key = "b";
  auto missing = r.repo.metadata(req);
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == errc::metadata_item_not_found);
  req.remove_key = "a";
  REQUIRE(r.repo.metadata(req));
  CHECK(r.repo.find("a")->metadata.empty());
}

TEST_CASE("memory_repository: a transition sets and drops system metadata "
          "and may move the instance's zone",
          "[memory_repository]") {
  one_row r{vm_state::active, task_state::shelving_image_uploading};
  instance_update shelved;
  shelved.id = "a";
  shelved.vm = vm_state::shelved;
  shelved.task = task_state::none;
  shelved.expected = {task_state::shelving_image_uploading};
  shelved.system_metadata = {{"shelved_image_id", "snap"},
                             {"shelved_host", "h"}};
  auto row = r.repo.apply(shelved);
  REQUIRE(row != nullptr);
  CHECK(row->vm == vm_state::shelved);
  CHECK(row->system_metadata.size() == 2);
  CHECK(r.repo.count(vm_state::shelved) == 1);
  instance_update back;
  back.id = "a";
  back.vm = vm_state::active;
  back.drop_system_metadata = {"shelved_image_id", "shelved_host", "absent"};
  back.set_zone = true;
  back.zone = "az2";
  row = r.repo.apply(back);
  REQUIRE(row != nullptr);
  CHECK(row->system_metadata.empty());
  CHECK(row->availability_zone == "az2");
  // A guarded transition that does not apply changes nothing.
  instance_update stale = shelved;
  stale.system_metadata = {{"shelved_at", "x"}};
  CHECK(r.repo.apply(stale) == nullptr);
  CHECK(r.repo.find("a")->system_metadata.empty());
}

TEST_CASE("memory_repository: a deleted row leaves the live ones and is kept "
          "DELETED with its terminated_at",
          "[memory_repository]") {
  memory_repository repo;
  REQUIRE(repo.create({row("a"), row("b")}, 1, {}));
  instance_update u;
  u.id = "a";
  u.vm = vm_state::active;
  u.set_launched = true;
  REQUIRE(repo.apply(u));
  auto kept = repo.remove("a");
  REQUIRE(kept != nullptr);
  CHECK(kept->vm == vm_state::deleted);
  CHECK(kept->task == task_state::none);
  CHECK(kept->terminated_us >= kept->launched_us);
  CHECK(kept->terminated_us > 0);
  CHECK(repo.remove("a") == nullptr);
  // Gone for reads, quota and metrics; there for whoever asks for it.
  CHECK(repo.find("a") == nullptr);
  CHECK(repo.find_deleted("a") == kept);
  CHECK(repo.usage("p").instances == 1);
  CHECK(repo.count(vm_state::deleted) == 0);
  CHECK(repo.count(vm_state::active) == 0);
  CHECK(repo.list({}).size() == 1);
  list_instances only;
  only.only_deleted = true;
  REQUIRE(repo.list(only).size() == 1);
  CHECK(repo.list(only)[0].id == "a");
  list_instances both;
  both.with_deleted = true;
  CHECK(repo.list(both).size() == 2);
  // A delete's last records still land on it.
  record_action start;
  start.instance_id = "a";
  start.action = action_record{"delete", "req-1", "u", "p", 1, {}};
  repo.record(start);
  CHECK(repo.actions("a").size() == 1);
}

TEST_CASE("memory_repository: deleted rows are dropped past their retention "
          "age or count, oldest first",
          "[memory_repository]") {
  SECTION("by count") {
    memory_repository repo{deleted_retention{int64_t{3600} * 1000000, 2}};
    REQUIRE(repo.create(rows(3), 1, {}));
    for (auto id : {"i-0", "i-1", "i-2"})
      REQUIRE(repo.remove(id));
    auto dropped = repo.expire(now_us());
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].first == "i-0");
    CHECK(repo.find_deleted("i-0") == nullptr);
    CHECK(repo.find_deleted("i-2") != nullptr);
    CHECK(repo.expire(now_us()).empty());
  }
  SECTION("by age") {
    memory_repository repo{deleted_retention{1000000, 100}};
    REQUIRE(repo.create(rows(1), 1, {}));
    auto kept = repo.remove("i-0");
    REQUIRE(kept);
    auto at = kept->terminated_us;
    auto db_id = kept->db_id;
    CHECK(repo.expire(at + 999999).empty());
    auto dropped = repo.expire(at + 1000000);
    REQUIRE(dropped.size() == 1);
    CHECK(dropped[0].second == db_id);
    CHECK(repo.list(list_instances{{}, {}, false, true}).empty());
  }
}

TEST_CASE("memory_repository: a load keeps deleted rows apart and never "
          "reuses their ids",
          "[memory_repository]") {
  memory_repository repo;
  auto live = row("live");
  live.db_id = 1;
  auto gone = row("gone");
  gone.db_id = 7;
  gone.vm = vm_state::deleted;
  gone.terminated_us = now_us();
  repo.load({live, gone}, {{"gone", action_record{"delete", "r", "u", "p", 1,
                                                  {}}}});
  CHECK(repo.find("gone") == nullptr);
  CHECK(repo.find_deleted("gone") != nullptr);
  CHECK(repo.actions("gone").size() == 1);
  CHECK(repo.usage("p").instances == 1);
  auto made = repo.create({row("new")}, 1, {});
  REQUIRE(made);
  CHECK(made->front().db_id == 8);
}

TEST_CASE("memory_repository: an edit sets the disk config and drops the "
          "system metadata of a prefix",
          "[memory_repository]") {
  one_row r;
  instance_update keys;
  keys.id = "a";
  keys.set_vm = false;
  keys.expected = task_set::any();
  keys.system_metadata = {{"password_0", "se"},
                          {"password_1", "cret"},
                          {"shelved_host", "h"}};
  REQUIRE(r.repo.apply(keys) != nullptr);
  edit_instance edit;
  edit.id = "a";
  edit.set_disk_config = true;
  edit.disk_config = "AUTO";
  edit.drop_system_metadata_prefix = "password_";
  auto row = r.repo.edit(edit);
  REQUIRE(row != nullptr);
  CHECK(row->disk_config == "AUTO");
  CHECK(row->system_metadata
        == std::map<std::string, std::string>{{"shelved_host", "h"}});
  // Nothing flagged, nothing changed.
  edit_instance none;
  none.id = "a";
  CHECK(r.repo.edit(none)->disk_config == "AUTO");
}
