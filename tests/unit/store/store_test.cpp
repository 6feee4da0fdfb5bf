#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "config/options.hpp"
#include "drivers/fake/fake_driver.hpp"
#include "store/database.hpp"
#include "store/writer.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::test;
using namespace std::chrono_literals;

namespace {

// The database file of a test, in a directory of its own.
std::string db_path(const temp_dir& dir) {
  return (dir.path / "var" / "test.db").string();
}

instance sample_row(int64_t db_id) {
  instance r;
  r.id = make_uuid();
  r.db_id = db_id;
  r.name = "vm-" + std::to_string(db_id);
  r.project_id = "p";
  r.user_id = "u";
  r.reservation_id = "r-1";
  r.flavor_ = default_flavors()[1];
  r.image_id = "img";
  r.availability_zone = "nova";
  r.metadata = {{"a", "1"}, {"b", "2"}};
  r.security_groups = {"default", "web, \"db\""};
  r.has_description = true;
  r.description = "d";
  r.vm = vm_state::active;
  r.task = task_state::none;
  r.power = power_state::running;
  r.host = "compute-1";
  r.created_us = 1;
  r.updated_us = 2;
  r.launched_us = 3;
  return r;
}

// Reads the file through a connection of its own, as a restart would.
stored_state reload(const temp_dir& dir) {
  database db{db_path(dir)};
  return db.load();
}

template <class Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred())
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace

TEST_CASE("store: [database] connection URLs are SQLAlchemy's", "[store]") {
  CHECK(sqlite_path("sqlite:///var/vmforge.db") == "var/vmforge.db");
  CHECK(sqlite_path("sqlite:////srv/vmforge.db") == "/srv/vmforge.db");
  CHECK_THROWS_AS(sqlite_path("sqlite:///"), database_error);
  CHECK_THROWS_AS(sqlite_path("mysql+pymysql://nova@db/nova"), database_error);
}

TEST_CASE("store: migrations run once and seed the classic flavors",
          "[store]") {
  temp_dir dir;
  database db{db_path(dir)};
  CHECK(db.migrate() == 0);
  CHECK(db.migrate() == database::latest_version());
  auto flavors = db.load().catalog.flavors;
  CHECK(flavors.size() == default_flavors().size());
}

TEST_CASE("store: every table reads back what was written", "[store]") {
  temp_dir dir;
  auto row = sample_row(7);
  row.has_fault = true;
  row.fault_ = fault{500, "boom", "details", 4};
  action_record act{"create", "req-1", "u", "p", 5,
                    {{"compute__do_build_and_run_instance", 5, 6, "Success",
                      "compute-1", ""}}};
  keypair kp{3, "key", "u", "ssh-ed25519 AAAA", "aa:bb", "ssh", 9};
  security_group_info group{4, "web", "w", "p", {{5, 4, "tcp", 22, 22, "0.0.0.0/0"}}};
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_instance(row, true);
    db.add_fault(row.db_id, row.fault_);
    db.put_action(row.db_id, act);
    db.put_flavor(flavor{"42", "custom", 3, 300, 30, 3, 64, false});
    db.drop_flavor("1");
    db.put_keypair(kp);
    db.put_quota(quota_entry{"project", "p", "", "instances", 50});
    db.put_quota(quota_entry{"user", "p", "u", "cores", 4});
    db.put_security_groups("p", {group});
    db.put_host(host_record{"compute-1", "az1", {8, 1024, 10}, false, {}, 11});
    db.set_host_status("compute-1", true, "maintenance");
    db.commit();
  }
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  auto& r = st.instances.front();
  CHECK(r.id == row.id);
  CHECK(r.db_id == 7);
  CHECK(r.metadata == row.metadata);
  CHECK(r.security_groups == row.security_groups);
  CHECK(r.description == "d");
  CHECK(r.flavor_.ram_mb == row.flavor_.ram_mb);
  CHECK(r.vm == vm_state::active);
  CHECK(r.task == task_state::none);
  CHECK(r.power == power_state::running);
  CHECK(r.host == "compute-1");
  CHECK(r.launched_us == 3);
  CHECK(r.has_fault);
  CHECK(r.fault_.message == "boom");
  REQUIRE(st.actions.size() == 1);
  CHECK(st.actions[0].first == row.id);
  REQUIRE(st.actions[0].second.events.size() == 1);
  CHECK(st.actions[0].second.events[0].host == "compute-1");
  auto& cat = st.catalog;
  auto has_flavor = [&](const std::string& id) {
    return std::any_of(cat.flavors.begin(), cat.flavors.end(),
                       [&](const flavor& f) { return f.id == id; });
  };
  CHECK(has_flavor("42"));
  CHECK_FALSE(has_flavor("1")); // dropped; the other classic ones stay
  CHECK(cat.flavors.size() == default_flavors().size());
  REQUIRE(cat.keypairs.size() == 1);
  CHECK(cat.keypairs[0].public_key == kp.public_key);
  CHECK(cat.quotas.size() == 2);
  REQUIRE(cat.security_groups.size() == 1);
  CHECK(cat.security_groups[0].rules.size() == 1);
  REQUIRE(st.hosts.size() == 1);
  CHECK(st.hosts[0].disabled);
  CHECK(st.hosts[0].disabled_reason == "maintenance");
  {
    database db{db_path(dir)};
    db.begin();
    db.drop_instance(7);
    db.drop_project_quotas("p");
    db.commit();
  }
  st = reload(dir);
  CHECK(st.instances.empty());
  CHECK(st.actions.empty());
  CHECK(st.catalog.quotas.empty());
}

TEST_CASE("store: the writer coalesces deferred puts and commits urgent ones "
          "at once",
          "[store]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db), 1h}; // deferred puts wait "forever"
  auto row = sample_row(1);
  for (auto task : {task_state::networking, task_state::block_device_mapping,
                    task_state::spawning}) {
    row.task = task;
    w.put_instance(row, false, false);
  }
  CHECK(w.last_queued() == 0); // nobody waits for deferred puts
  std::this_thread::sleep_for(50ms);
  CHECK(reload(dir).instances.empty());
  row.task = task_state::none;
  w.put_instance(row, false, true);
  REQUIRE(eventually([&] { return w.last_durable() >= w.last_queued(); }));
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].task == task_state::none);
  CHECK(st.instances[0].metadata.empty()); // metadata not rewritten
  CHECK(w.coalesced() == 3);
}

TEST_CASE("store: deferred puts are written after the delay, and a drop "
          "cancels them",
          "[store]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db), 20ms};
  auto kept = sample_row(1);
  auto dropped = sample_row(2);
  w.put_instance(kept, true, false);
  w.put(kept.id, "req-1", [&](database& d) {
    d.put_action(1, action_record{"create", "req-1", "u", "p", 1, {}});
  });
  w.put_instance(dropped, true, false);
  w.drop_instance(dropped.id, [](database& d) { d.drop_instance(2); });
  REQUIRE(eventually([&] { return reload(dir).instances.size() == 1; }));
  auto st = reload(dir);
  CHECK(st.instances[0].id == kept.id);
  CHECK(st.instances[0].metadata == kept.metadata);
  CHECK(st.actions.size() == 1);
}

TEST_CASE("store: writes from many threads share commits (group commit)",
          "[store]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db)};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 250; ++i) {
        auto row = sample_row(t * 1000 + i + 1);
        w.put_instance(row, false, true);
        auto seq = w.last_queued();
        while (w.last_durable() < seq)
          std::this_thread::yield();
      }
    });
  for (auto& t : threads)
    t.join();
  w.flush();
  CHECK(reload(dir).instances.size() == 2000);
  // Each thread waited for its own write: 2,000 commits without grouping.
  CHECK(w.batches() < 2000);
}

TEST_CASE("store: flush writes deferred puts too", "[store]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db), 1h};
  w.put_instance(sample_row(1), false, false);
  w.flush();
  CHECK(reload(dir).instances.size() == 1);
}

TEST_CASE("the fake driver with a state_path keeps domains across restarts",
          "[fake_driver]") {
  temp_dir dir;
  fake_driver_options opts;
  opts.state_path = (dir.path / "hv").string();
  spawn_spec spec{"a", "instance-1", default_flavors()[0], image{}, "vm", "p"};
  {
    fake_driver drv{"h1", opts};
    REQUIRE(drv.spawn(spec).ok);
    spec.instance_id = "b";
    REQUIRE(drv.spawn(spec).ok);
    REQUIRE(drv.power_off("b").ok);
    spec.instance_id = "c";
    REQUIRE(drv.spawn(spec).ok);
    REQUIRE(drv.destroy("c").ok);
  }
  // A write the previous process did not finish is ignored.
  std::ofstream{dir.path / "hv" / "h1" / "d.tmp"} << "1\n";
  fake_driver drv{"h1", opts};
  auto ids = drv.list_instances();
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"a", "b"});
  CHECK(drv.get_power_state("a") == power_state::running);
  CHECK(drv.get_power_state("b") == power_state::shutdown);
  CHECK_FALSE(std::filesystem::exists(dir.path / "hv" / "h1" / "d.tmp"));
  // Another host's domains are its own.
  CHECK(fake_driver{"h2", opts}.list_instances().empty());
}
