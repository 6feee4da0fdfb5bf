#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "store/database.hpp"
#include "tests/support/store_files.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

// The kept deleted rows' terminated_at and the view that skips them.
const char* const undo_migration_8
  = "DROP VIEW quota_usages;"
    "ALTER TABLE instances DROP COLUMN terminated_at;"
    "CREATE VIEW quota_usages AS SELECT project_id, COUNT(*) AS instances, "
    "SUM(vcpus) AS cores, SUM(memory_mb) AS ram FROM instances "
    "GROUP BY project_id;";

// Migration 7's flavor column and tables.
const char* const undo_migration_7
  = "DROP TABLE flavor_extra_specs;"
    "DROP TABLE flavor_projects;"
    "DROP TABLE aggregates;"
    "DROP TABLE aggregate_hosts;"
    "DROP TABLE aggregate_metadata;"
    "ALTER TABLE flavors DROP COLUMN description;";

// What migration 4 and the later ones add, taken out again: a database as
// version 3 left it.
const char* const undo_migration_4
  = "DROP TABLE virtual_interfaces;"
    "ALTER TABLE instances DROP COLUMN user_data;"
    "ALTER TABLE instances DROP COLUMN key_data;"
    "ALTER TABLE instances DROP COLUMN config_drive;"
    "ALTER TABLE instances DROP COLUMN requested_networks;";

const char* const undo_migration_5
  = "DROP TABLE tags;"
    "ALTER TABLE instances DROP COLUMN locked_reason;"
    "ALTER TABLE instances DROP COLUMN hostname;"
    "ALTER TABLE instances DROP COLUMN pinned_availability_zone;"
    "ALTER TABLE instances DROP COLUMN scheduler_hints;"
    "ALTER TABLE instances DROP COLUMN flavor_extra_specs;"
    "ALTER TABLE instances DROP COLUMN trusted_certs;";

const char* const undo_migration_6
  = "DROP TABLE instance_group_member;"
    "DROP TABLE instance_groups;";

const char* const undo_migration_9
  = "ALTER TABLE security_group_rules DROP COLUMN group_id;";

// What the migrations after `version` (at least 3) add, taken out again,
// the latest first.
std::string undo_after(int version) {
  const char* const undo[] = {undo_migration_4, undo_migration_5,
                              undo_migration_6, undo_migration_7,
                              undo_migration_8, undo_migration_9};
  std::string sql;
  for (int v = database::latest_version(); v > version; --v)
    sql += undo[v - 4];
  return sql;
}

void run_sql(const temp_dir& dir, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db_path(dir).c_str(), &raw) == SQLITE_OK);
  char* message = nullptr;
  auto rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &message);
  INFO((message ? message : ""));
  CHECK(rc == SQLITE_OK);
  sqlite3_free(message);
  sqlite3_close(raw);
}

// One transaction on a connection of its own to the test's database.
template <class F>
void in_transaction(const temp_dir& dir, F&& f) {
  database db{db_path(dir)};
  db.begin();
  f(db);
  db.commit();
}

// The first column of a query's first row, read through a connection of
// its own.
int64_t query_int(const temp_dir& dir, const std::string& sql) {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db_path(dir).c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(raw, sql.c_str(), -1, &q, nullptr);
  REQUIRE(sqlite3_step(q) == SQLITE_ROW);
  auto n = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  sqlite3_close(raw);
  return n;
}

// The rows of `table`.
int count_rows(const temp_dir& dir, const std::string& table) {
  return static_cast<int>(query_int(dir, "SELECT COUNT(*) FROM " + table));
}

vif sample_vif(const std::string& address, const std::string& mac) {
  network net{"6a9d1d62-3f0b-5b5e-9d0c-1f2e3d4c5b6a", "private", "10.42.0.0/24",
              "10.42.0.1", {"10.42.0.1"}, "vmf-private"};
  return vif{make_uuid(), net, mac, address};
}

} // namespace

TEST_CASE("database: [database] connection URLs are SQLAlchemy's",
          "[database]") {
  CHECK(sqlite_path("sqlite:///var/vmforge.db") == "var/vmforge.db");
  CHECK(sqlite_path("sqlite:////srv/vmforge.db") == "/srv/vmforge.db");
  CHECK_THROWS_AS(sqlite_path("sqlite:///"), database_error);
  CHECK_THROWS_AS(sqlite_path("mysql+pymysql://nova@db/nova"), database_error);
}

TEST_CASE("database: migrations run once and seed the classic flavors",
          "[database]") {
  temp_dir dir;
  database db{db_path(dir)};
  CHECK(db.migrate() == 0);
  CHECK(db.migrate() == database::latest_version());
  auto flavors = db.load().catalog.flavors;
  CHECK(flavors.size() == default_flavors().size());
}

TEST_CASE("database: migration 2 gives the hosts of a version 1 database "
          "forced_down false and keeps their status",
          "[database]") {
  temp_dir dir;
  {
    database db{db_path(dir)};
    db.migrate();
    db.put_host(host_record{"compute-1", "az1", {8, 1024, 10}, false, {}, 11});
    db.set_host_status("compute-1", true, "maintenance");
  }
  // Back to what migration 1 left: no forced_down column (nor what later
  // migrations add), user_version 1.
  run_sql(dir, undo_after(3)
                 + "ALTER TABLE compute_nodes DROP COLUMN forced_down;"
                   "DROP TABLE instance_system_metadata;"
                   "PRAGMA user_version=1");
  database db{db_path(dir)};
  CHECK(db.migrate() == 1);
  auto hosts = db.load().hosts;
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0].disabled_reason == "maintenance");
  CHECK_FALSE(hosts[0].forced_down);
  db.set_host_forced_down("compute-1", true);
  CHECK(db.load().hosts[0].forced_down);
}

TEST_CASE("database: every table reads back what was written",
          "[database]") {
  temp_dir dir;
  auto row = sample_row(7);
  row.has_fault = true;
  row.fault_ = fault{500, "boom", "details", 4};
  action_record act{"create", "req-1", "u", "p", 5,
                    {{"compute__do_build_and_run_instance", 5, 6, "Success",
                      "compute-1", ""}}};
  keypair kp{3, "key", "u", "ssh-ed25519 AAAA", "aa:bb", "ssh", 9};
  // A cidr's rule and one that admits the group's own members.
  security_group_info group{4, "web", "w", "p",
                            {{5, 4, "tcp", 22, 22, "0.0.0.0/0", 0, {}, {}},
                             {6, 4, "tcp", 80, 80, "", 4, "web", "p"}}};
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_instance(row, true);
    db.add_fault(row.db_id, row.fault_);
    db.put_action(row.db_id, act);
    db.put_flavor(flavor{"42", "custom", 3, 300, 30, 3, 64, false, false, {}, {}});
    db.drop_flavor("1");
    db.put_keypair(kp);
    db.put_quota(quota_entry{"project", "p", "", "instances", 50});
    db.put_quota(quota_entry{"user", "p", "u", "cores", 4});
    db.put_security_groups("p", {group});
    db.put_host(host_record{"compute-1", "az1", {8, 1024, 10}, false, {}, 11});
    db.set_host_status("compute-1", true, "maintenance");
    db.set_host_forced_down("compute-1", true);
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
  auto& rules = cat.security_groups[0].rules;
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].group_id == 0);
  CHECK(rules[0].cidr == "0.0.0.0/0");
  CHECK(rules[1].group_id == 4);
  CHECK(rules[1].cidr.empty());
  REQUIRE(st.hosts.size() == 1);
  CHECK(st.hosts[0].disabled);
  CHECK(st.hosts[0].disabled_reason == "maintenance");
  CHECK(st.hosts[0].forced_down);
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

TEST_CASE("database: migration 3 keeps a shelved instance's system metadata "
          "and its new states",
          "[database]") {
  temp_dir dir;
  auto row = sample_row(8);
  row.vm = vm_state::shelved_offloaded;
  row.task = task_state::unshelving;
  row.host.clear();
  row.system_metadata = {{"shelved_at", "2026-12-01T14:41:39.000001"},
                         {"shelved_image_id", "snap"},
                         {"shelved_host", "compute-1"},
                         {"image_base_image_ref", "img"}};
  {
    // A version 2 database, as this build's predecessor left it.
    database db{db_path(dir)};
    db.migrate();
  }
  run_sql(dir, undo_after(3)
                 + "DROP TABLE instance_system_metadata;"
                   "PRAGMA user_version=2");
  {
    database db{db_path(dir)};
    CHECK(db.migrate() == 2);
    db.begin();
    db.put_instance(row, true);
    db.commit();
  }
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  auto& r = st.instances.front();
  CHECK(r.system_metadata == row.system_metadata);
  CHECK(r.metadata == row.metadata);
  CHECK(r.vm == vm_state::shelved_offloaded);
  CHECK(r.task == task_state::unshelving);
  CHECK(r.host.empty());
  {
    // A row written without its metadata keeps what it had; with it, the
    // keys an unshelve removed are gone.
    database db{db_path(dir)};
    db.begin();
    row.system_metadata.erase("shelved_at");
    db.put_instance(row, false);
    db.commit();
    CHECK(db.load().instances.front().system_metadata.size() == 4);
    db.begin();
    db.put_instance(row, true);
    db.commit();
    CHECK(db.load().instances.front().system_metadata.size() == 3);
    db.begin();
    db.drop_instance(8);
    db.commit();
  }
  CHECK(count_rows(dir, "instance_system_metadata") == 0);
}

TEST_CASE("database: migration 4 keeps a version 3 database's rows, which "
          "get no boot data and automatic networks",
          "[database]") {
  temp_dir dir;
  auto row = sample_row(9);
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_instance(row, true);
    db.commit();
  }
  run_sql(dir, undo_after(3) + "PRAGMA user_version=3");
  database db{db_path(dir)};
  CHECK(db.migrate() == 3);
  auto st = db.load();
  REQUIRE(st.instances.size() == 1);
  auto& r = st.instances.front();
  CHECK(r.id == row.id);
  CHECK(r.metadata == row.metadata);
  CHECK(r.user_data.empty());
  CHECK_FALSE(r.config_drive);
  CHECK(r.requested_networks.mode == network_mode::automatic);
  CHECK(r.vifs.empty());
}

TEST_CASE("database: a row's boot data, networks and vifs read back; a "
          "write without metadata keeps the vifs, a delete drops them",
          "[database]") {
  temp_dir dir;
  auto row = sample_row(10);
  row.user_data = "IyEvYmluL3NoCg==";
  row.key_data = "ssh-ed25519 AAAA u@h";
  row.config_drive = true;
  row.requested_networks.mode = network_mode::listed;
  row.requested_networks.listed = {{"6a9d1d62-3f0b-5b5e-9d0c-1f2e3d4c5b6a",
                                    "10.42.0.9"}};
  row.vifs = {sample_vif("10.42.0.9", "fa:16:3e:00:00:09"),
              sample_vif("10.42.0.2", "fa:16:3e:00:00:02")};
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_instance(row, true);
    db.commit();
  }
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  auto& r = st.instances.front();
  CHECK(r.user_data == row.user_data);
  CHECK(r.key_data == row.key_data);
  CHECK(r.config_drive);
  CHECK(r.requested_networks.mode == network_mode::listed);
  REQUIRE(r.requested_networks.listed.size() == 1);
  CHECK(r.requested_networks.listed[0].fixed_ip == "10.42.0.9");
  REQUIRE(r.vifs.size() == 2);
  // In the order the row had them (eth0 first).
  CHECK(r.vifs[0].id == row.vifs[0].id);
  CHECK(r.vifs[0].address == "10.42.0.9");
  CHECK(r.vifs[0].mac == "fa:16:3e:00:00:09");
  CHECK(r.vifs[0].net.label == "private");
  CHECK(r.vifs[0].net.dns == std::vector<std::string>{"10.42.0.1"});
  CHECK(r.vifs[1].address == "10.42.0.2");
  {
    database db{db_path(dir)};
    db.begin();
    auto changed = row;
    changed.vifs.clear();
    db.put_instance(changed, false);
    db.commit();
  }
  CHECK(reload(dir).instances.front().vifs.size() == 2);
  in_transaction(dir, [&](database& db) { db.drop_instance(10); });
  CHECK(count_rows(dir, "virtual_interfaces") == 0);
}

TEST_CASE("database: migration 5 keeps the microversions' fields of an "
          "instance across a restart, and a version 4 row gets none",
          "[database]") {
  temp_dir dir;
  auto row = sample_row(9);
  {
    database db{db_path(dir)};
    db.migrate();
  }
  run_sql(dir, undo_after(4) + "PRAGMA user_version=4");
  {
    database db{db_path(dir)};
    CHECK(db.migrate() == 4);
    db.begin();
    db.put_instance(row, true);
    db.commit();
  }
  auto old = reload(dir);
  REQUIRE(old.instances.size() == 1);
  CHECK(old.instances.front().hostname.empty());
  CHECK(old.instances.front().tags.empty());
  CHECK(old.instances.front().locked_reason.empty());
  row.locked = true;
  row.locked_reason = "maintenance";
  row.hostname = "web-1.example.org";
  row.pinned_availability_zone = "az1";
  row.scheduler_hints = {{"same_host", {"a", "b"}}, {"query", {"[1]"}}};
  row.flavor_.extra_specs = {{"hw:cpu_policy", "dedicated"}};
  row.trusted_certs = {"cert-1", "cert-2"};
  row.tags = {"blue", "red"};
  in_transaction(dir, [&](database& db) { db.put_instance(row, true); });
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  auto& r = st.instances.front();
  CHECK(r.locked_reason == "maintenance");
  CHECK(r.hostname == "web-1.example.org");
  CHECK(r.pinned_availability_zone == "az1");
  CHECK(r.scheduler_hints == row.scheduler_hints);
  CHECK(r.flavor_.extra_specs == row.flavor_.extra_specs);
  CHECK(r.trusted_certs == row.trusted_certs);
  CHECK(r.tags == row.tags);
  in_transaction(dir, [&](database& db) { db.drop_instance(9); });
  CHECK(count_rows(dir, "tags") == 0);
}

TEST_CASE("database: server groups keep their policy, rules and members in "
          "order; a drop takes the members too",
          "[database][server_groups]") {
  temp_dir dir;
  server_group anti{"g-1", "web", "p", "u", "anti-affinity", 2,
                    {"i-3", "i-1", "i-2"}, 5};
  server_group soft{"g-2", "db", "q", "v", "soft-affinity", 0, {}, 6};
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_server_group(anti);
    db.put_server_group(soft);
    anti.members.pop_back();
    db.put_server_group(anti);
    db.commit();
  }
  auto groups = reload(dir).catalog.server_groups;
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].id == "g-1");
  CHECK(groups[0].name == "web");
  CHECK(groups[0].project_id == "p");
  CHECK(groups[0].user_id == "u");
  CHECK(groups[0].policy == "anti-affinity");
  CHECK(groups[0].max_server_per_host == 2);
  CHECK(groups[0].members == std::vector<std::string>{"i-3", "i-1"});
  CHECK(groups[0].created_us == 5);
  CHECK(groups[1].policy == "soft-affinity");
  CHECK(groups[1].max_server_per_host == 0);
  in_transaction(dir, [&](database& db) { db.drop_server_group("g-1"); });
  groups = reload(dir).catalog.server_groups;
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].id == "g-2");
  CHECK(count_rows(dir, "instance_group_member") == 0);
}

TEST_CASE("database: migration 7's flavor extra specs, description and "
          "access, and aggregates read back; drops remove them",
          "[database]") {
  temp_dir dir;
  flavor f;
  f.id = "ssd";
  f.name = "m1.ssd";
  f.is_public = false;
  f.has_description = true;
  f.description = "fast disks";
  f.extra_specs = {{"aggregate_instance_extra_specs:ssd", "true"},
                   {"hw:cpu_policy", "dedicated"}};
  aggregate a;
  a.id = 3;
  a.uuid = "u-3";
  a.name = "agg1";
  a.hosts = {"compute-2", "compute-1"};
  a.metadata = {{"availability_zone", "az1"}, {"ssd", "true"}};
  a.created_us = 5;
  a.updated_us = 6;
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_flavor(f, {"p1", "p2"});
    db.put_aggregate(a);
    db.commit();
  }
  auto st = reload(dir);
  auto& cat = st.catalog;
  auto i = std::find_if(cat.flavors.begin(), cat.flavors.end(),
                        [](const flavor& x) { return x.id == "ssd"; });
  REQUIRE(i != cat.flavors.end());
  CHECK_FALSE(i->is_public);
  CHECK(i->has_description);
  CHECK(i->description == "fast disks");
  CHECK(i->extra_specs == f.extra_specs);
  CHECK(cat.flavor_projects.at("ssd") == std::vector<std::string>{"p1", "p2"});
  // The classic flavors have no description.
  auto tiny = std::find_if(cat.flavors.begin(), cat.flavors.end(),
                           [](const flavor& x) { return x.id == "1"; });
  REQUIRE(tiny != cat.flavors.end());
  CHECK_FALSE(tiny->has_description);
  REQUIRE(cat.aggregates.size() == 1);
  auto& r = cat.aggregates[0];
  CHECK(r.id == 3);
  CHECK(r.uuid == "u-3");
  CHECK(r.name == "agg1");
  CHECK(r.hosts == a.hosts); // in the order they joined
  CHECK(r.metadata == a.metadata);
  CHECK(r.created_us == 5);
  CHECK(r.updated_us == 6);
  {
    database db{db_path(dir)};
    db.begin();
    a.hosts = {"compute-1"};
    a.metadata.erase("ssd");
    db.put_aggregate(a);
    f.extra_specs.erase("hw:cpu_policy");
    db.put_flavor(f, {"p2"});
    db.commit();
  }
  st = reload(dir);
  CHECK(st.catalog.aggregates[0].hosts == std::vector<std::string>{"compute-1"});
  CHECK(st.catalog.aggregates[0].metadata.size() == 1);
  CHECK(st.catalog.flavor_projects.at("ssd") == std::vector<std::string>{"p2"});
  {
    database db{db_path(dir)};
    db.begin();
    db.drop_aggregate(3);
    db.drop_flavor("ssd");
    db.commit();
  }
  st = reload(dir);
  CHECK(st.catalog.aggregates.empty());
  CHECK(st.catalog.flavor_projects.empty());
  CHECK(count_rows(dir, "flavor_extra_specs") == 0);
  CHECK(count_rows(dir, "aggregate_metadata") == 0);
  CHECK(count_rows(dir, "aggregate_hosts") == 0);
}

TEST_CASE("database: a deleted row reads back with its terminated_at, and "
          "the quota_usages view counts only live rows",
          "[database]") {
  temp_dir dir;
  auto live = sample_row(1);
  auto gone = sample_row(2);
  gone.id = "gone";
  gone.vm = vm_state::deleted;
  gone.terminated_us = 99;
  {
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    db.put_instance(live, true);
    db.put_instance(gone, true);
    db.commit();
  }
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[0].terminated_us == 0);
  CHECK(st.instances[1].terminated_us == 99);
  CHECK(st.instances[1].vm == vm_state::deleted);
  CHECK(query_int(dir, "SELECT SUM(instances) FROM quota_usages") == 1);
}
