#include "store/database.hpp"

#include <cstring>
#include <filesystem>
#include <map>

#include <boost/json.hpp>
#include <sqlite3.h>

#include "config/options.hpp"

namespace vmforge {

namespace {

// Numbered migrations; a database records how many it has applied in
// PRAGMA user_version. Never edit one that has shipped: add the next.
const char* const migrations[] = {
  // 1: the initial schema, named after Nova's tables.
  R"(
-- Rows are keyed by Nova's integer instances.id, which grows with every
-- create: new rows and a build's state changes land on the last pages of
-- the table, so a commit rewrites a few pages instead of one random page
-- per instance (as a uuid key would). Nothing reads rows by uuid, project
-- or host from the database (the store answers reads from memory and
-- generates unique uuids), so there are no secondary indexes to update.
CREATE TABLE instances (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL,
  display_name TEXT NOT NULL,
  display_description TEXT,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  reservation_id TEXT NOT NULL,
  instance_type_id TEXT NOT NULL,
  flavor_name TEXT NOT NULL,
  vcpus INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  root_gb INTEGER NOT NULL,
  ephemeral_gb INTEGER NOT NULL,
  swap INTEGER NOT NULL,
  flavor_is_public INTEGER NOT NULL,
  image_ref TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  access_ip_v4 TEXT NOT NULL,
  access_ip_v6 TEXT NOT NULL,
  disk_config TEXT NOT NULL,
  key_name TEXT NOT NULL,
  security_groups TEXT NOT NULL,
  locked INTEGER NOT NULL,
  vm_state TEXT NOT NULL,
  task_state TEXT,
  power_state INTEGER NOT NULL,
  host TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  launched_at INTEGER
);
CREATE TABLE instance_metadata (
  instance_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (instance_id, key)
) WITHOUT ROWID;
CREATE TABLE instance_faults (
  id INTEGER PRIMARY KEY,
  instance_id INTEGER NOT NULL,
  code INTEGER NOT NULL,
  message TEXT NOT NULL,
  details TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX instance_faults_instance_id_idx ON instance_faults (instance_id);
-- An action's events are a JSON list in its row: actions are always read
-- and written whole, and one row write per change (not one per event) is
-- what lets the writer coalesce a build's events.
CREATE TABLE instance_actions (
  instance_id INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  action TEXT NOT NULL,
  user_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (instance_id, request_id)
) WITHOUT ROWID;
CREATE TABLE flavors (
  flavorid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  vcpus INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  root_gb INTEGER NOT NULL,
  ephemeral_gb INTEGER NOT NULL,
  swap INTEGER NOT NULL,
  is_public INTEGER NOT NULL
);
CREATE TABLE images (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  file TEXT NOT NULL,
  disk_format TEXT NOT NULL,
  min_ram INTEGER NOT NULL,
  min_disk INTEGER NOT NULL
);
CREATE TABLE key_pairs (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  id INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  public_key TEXT NOT NULL,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE quotas (
  scope TEXT NOT NULL,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  resource TEXT NOT NULL,
  hard_limit INTEGER NOT NULL,
  PRIMARY KEY (scope, project_id, user_id, resource)
);
-- Usage is counted from the instances, as Nova counts it since Pike, so it
-- can never drift from what exists.
CREATE VIEW quota_usages AS
  SELECT project_id, COUNT(*) AS instances, SUM(vcpus) AS cores,
         SUM(memory_mb) AS ram
  FROM instances GROUP BY project_id;
CREATE TABLE security_groups (
  id INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE TABLE security_group_rules (
  id INTEGER PRIMARY KEY,
  parent_group_id INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  from_port INTEGER NOT NULL,
  to_port INTEGER NOT NULL,
  cidr TEXT NOT NULL
);
CREATE TABLE compute_nodes (
  host TEXT PRIMARY KEY,
  availability_zone TEXT NOT NULL,
  vcpus INTEGER NOT NULL,
  memory_mb INTEGER NOT NULL,
  local_gb INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT NOT NULL DEFAULT '',
  last_seen_up INTEGER NOT NULL
);
)",
  // 2: os-services force-down (2.11), Nova's services.forced_down.
  R"(
ALTER TABLE compute_nodes ADD COLUMN forced_down INTEGER NOT NULL DEFAULT 0;
)",
  // 3: Nova's instance_system_metadata: what shelve keeps of an instance
  // (shelved_at, shelved_image_id, shelved_host, image_base_image_ref).
  R"(
CREATE TABLE instance_system_metadata (
  instance_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (instance_id, key)
) WITHOUT ROWID;
)",
  // 4: what a guest is given at boot and its networks (issue 14): the
  // create's user_data, key_data, config_drive and networks on the row, and
  // Nova's network info cache as the instance's virtual interfaces, from
  // which a start rebuilds the IPAM (docs/networking.md).
  R"(
ALTER TABLE instances ADD COLUMN user_data TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN key_data TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN config_drive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN requested_networks TEXT NOT NULL
  DEFAULT '{"mode":"auto","networks":[]}';
CREATE TABLE virtual_interfaces (
  instance_id INTEGER NOT NULL,
  uuid TEXT NOT NULL,
  position INTEGER NOT NULL,
  network TEXT NOT NULL,
  address TEXT NOT NULL,
  mac TEXT NOT NULL,
  PRIMARY KEY (instance_id, uuid)
) WITHOUT ROWID;
)",
  // 5: the microversions up to 2.100 (issue 15): the lock's reason (2.73),
  // the hostname (2.90), the zone the create asked for (2.96), its
  // scheduler hints (2.100), its trusted image certificates (2.63), the
  // flavor's extra specs as the instance was
  // made with them (2.47's embedded flavor), and Nova's tags table (2.26).
  // The image's properties (2.98) are system metadata image_*, as Nova's.
  R"(
ALTER TABLE instances ADD COLUMN locked_reason TEXT;
ALTER TABLE instances ADD COLUMN hostname TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN pinned_availability_zone TEXT;
ALTER TABLE instances ADD COLUMN scheduler_hints TEXT NOT NULL DEFAULT '{}';
ALTER TABLE instances ADD COLUMN flavor_extra_specs TEXT NOT NULL
  DEFAULT '{}';
ALTER TABLE instances ADD COLUMN trusted_certs TEXT NOT NULL DEFAULT '[]';
CREATE TABLE tags (
  resource_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (resource_id, tag)
) WITHOUT ROWID;
)",
  // 6: server groups (issue 15), as Nova's API database has them: the
  // group with its one policy and its rules (2.64's max_server_per_host,
  // 0 when unset), and its members in the order they joined.
  R"(
CREATE TABLE instance_groups (
  uuid TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  policy TEXT NOT NULL,
  max_server_per_host INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE instance_group_member (
  group_uuid TEXT NOT NULL,
  position INTEGER NOT NULL,
  instance_uuid TEXT NOT NULL,
  PRIMARY KEY (group_uuid, position)
) WITHOUT ROWID;
)",
  // 7 (issue 15):
  // flavors' description (2.55), extra specs and access (private flavors'
  // projects), and Nova's host aggregates with their hosts and metadata.
  R"(
ALTER TABLE flavors ADD COLUMN description TEXT;
CREATE TABLE flavor_extra_specs (
  flavorid TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (flavorid, key)
) WITHOUT ROWID;
CREATE TABLE flavor_projects (
  flavorid TEXT NOT NULL,
  project_id TEXT NOT NULL,
  PRIMARY KEY (flavorid, project_id)
) WITHOUT ROWID;
CREATE TABLE aggregates (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE aggregate_hosts (
  aggregate_id INTEGER NOT NULL,
  position INTEGER NOT NULL,
  host TEXT NOT NULL,
  PRIMARY KEY (aggregate_id, host)
) WITHOUT ROWID;
CREATE TABLE aggregate_metadata (
  aggregate_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (aggregate_id, key)
) WITHOUT ROWID;
)",
  // 8: deleted instances are kept (issue 15: usage, ?deleted=True, the
  // actions of a deleted server) until their retention ends; Nova's
  // terminated_at marks them, and usage no longer counts them.
  R"(
ALTER TABLE instances ADD COLUMN terminated_at INTEGER;
DROP VIEW quota_usages;
CREATE VIEW quota_usages AS
  SELECT project_id, COUNT(*) AS instances, SUM(vcpus) AS cores,
         SUM(memory_mb) AS ram
  FROM instances WHERE terminated_at IS NULL GROUP BY project_id;
)",
  // 9: a security group rule may admit another group's members instead of
  // a cidr (os-security-group-rules' group_id); NULL: none.
  R"(
ALTER TABLE security_group_rules ADD COLUMN group_id INTEGER;
)",
};

template <class Enum>
Enum parse_enum(const std::string& text, Enum first, Enum last) {
  for (auto i = static_cast<int>(first); i <= static_cast<int>(last); ++i)
    if (text == to_string(static_cast<Enum>(i)))
      return static_cast<Enum>(i);
  throw database_error("unknown state '" + text + "' in the database");
}

std::string to_json(const std::vector<std::string>& xs) {
  boost::json::array out;
  for (auto& x : xs)
    out.emplace_back(x);
  return boost::json::serialize(out);
}

std::string to_json(const std::vector<action_event>& events) {
  boost::json::array out;
  for (auto& e : events)
    out.push_back(boost::json::object{{"event", e.name},
                                      {"start_time", e.start_us},
                                      {"finish_time", e.finish_us},
                                      {"result", e.result},
                                      {"host", e.host},
                                      {"traceback", e.traceback}});
  return boost::json::serialize(out);
}

std::vector<action_event> events_from_json(const std::string& text) {
  std::vector<action_event> out;
  auto doc = boost::json::parse(text);
  for (auto& x : doc.as_array()) {
    auto& o = x.as_object();
    out.push_back(action_event{o.at("event").as_string().c_str(),
                               o.at("start_time").as_int64(),
                               o.at("finish_time").as_int64(),
                               o.at("result").as_string().c_str(),
                               o.at("host").as_string().c_str(),
                               o.at("traceback").as_string().c_str()});
  }
  return out;
}

std::string to_json(const std::map<std::string, std::string>& xs) {
  boost::json::object out;
  for (auto& kv : xs)
    out[kv.first] = kv.second;
  return boost::json::serialize(out);
}

std::map<std::string, std::string> map_from_json(const std::string& text) {
  std::map<std::string, std::string> out;
  auto doc = boost::json::parse(text);
  for (auto& kv : doc.as_object())
    out[kv.key()] = kv.value().as_string().c_str();
  return out;
}

std::string
to_json(const std::map<std::string, std::vector<std::string>>& hints) {
  boost::json::object out;
  for (auto& kv : hints) {
    boost::json::array values;
    for (auto& v : kv.second)
      values.emplace_back(v);
    out[kv.first] = std::move(values);
  }
  return boost::json::serialize(out);
}

std::map<std::string, std::vector<std::string>>
hints_from_json(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  auto doc = boost::json::parse(text);
  for (auto& kv : doc.as_object()) {
    auto& values = out[kv.key()];
    for (auto& v : kv.value().as_array())
      values.emplace_back(v.as_string().c_str());
  }
  return out;
}

std::vector<std::string> strings_from_json(const std::string& text) {
  std::vector<std::string> out;
  auto doc = boost::json::parse(text);
  for (auto& x : doc.as_array())
    out.emplace_back(x.as_string().c_str());
  return out;
}

const char* mode_name(network_mode m) {
  switch (m) {
    case network_mode::none:
      return "none";
    case network_mode::listed:
      return "listed";
    case network_mode::automatic:
      break;
  }
  return "auto";
}

std::string to_json(const network_request& req) {
  boost::json::array nets;
  for (auto& n : req.listed)
    nets.push_back(boost::json::object{{"uuid", n.network_id},
                                       {"fixed_ip", n.fixed_ip}});
  return boost::json::serialize(
    boost::json::object{{"mode", mode_name(req.mode)}, {"networks", nets}});
}

network_request request_from_json(const std::string& text) {
  network_request out;
  auto doc = boost::json::parse(text).as_object();
  std::string mode = doc.at("mode").as_string().c_str();
  out.mode = mode == "none"     ? network_mode::none
             : mode == "listed" ? network_mode::listed
                                : network_mode::automatic;
  for (auto& x : doc.at("networks").as_array()) {
    auto& o = x.as_object();
    out.listed.push_back({o.at("uuid").as_string().c_str(),
                          o.at("fixed_ip").as_string().c_str()});
  }
  return out;
}

// The network as the vif was made on it: what `addresses` shows even if
// the configuration changes later.
std::string to_json(const network& n) {
  boost::json::array dns;
  for (auto& d : n.dns)
    dns.emplace_back(d);
  return boost::json::serialize(boost::json::object{
    {"id", n.id},           {"label", n.label},   {"cidr", n.cidr},
    {"gateway", n.gateway}, {"dns", dns},         {"bridge", n.bridge}});
}

network network_from_json(const std::string& text) {
  auto doc = boost::json::parse(text).as_object();
  network n;
  n.id = doc.at("id").as_string().c_str();
  n.label = doc.at("label").as_string().c_str();
  n.cidr = doc.at("cidr").as_string().c_str();
  n.gateway = doc.at("gateway").as_string().c_str();
  for (auto& d : doc.at("dns").as_array())
    n.dns.emplace_back(d.as_string().c_str());
  n.bridge = doc.at("bridge").as_string().c_str();
  return n;
}

/// A text column that is NULL unless `present`.
struct nullable {
  bool present;
  std::string text;
};

} // namespace

/// A prepared statement, reset for reuse after every run.
class database::statement {
public:
  statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw database_error(std::string{"cannot prepare: "} + sqlite3_errmsg(db));
  }
  ~statement() {
    sqlite3_finalize(stmt_);
  }

  /// Binds without copying: every caller runs the statement in the same
  /// expression (`bind(...).run()`), while the values still live.
  template <class... Ts>
  statement& bind(const Ts&... xs) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    int i = 0;
    (bind_one(++i, xs), ...);
    return *this;
  }

  /// Steps once; true while there is a row to read.
  bool step() {
    auto rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
      return true;
    if (rc != SQLITE_DONE)
      throw database_error(std::string{"cannot run: "} + sqlite3_errmsg(db_));
    return false;
  }

  void run() {
    step();
    sqlite3_reset(stmt_);
  }

  int64_t integer(int col) const {
    return sqlite3_column_int64(stmt_, col);
  }
  bool is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string{reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col))}
             : std::string{};
  }

private:
  void bind_one(int i, int64_t x) {
    sqlite3_bind_int64(stmt_, i, x);
  }
  void bind_one(int i, int x) {
    sqlite3_bind_int64(stmt_, i, x);
  }
  void bind_one(int i, bool x) {
    sqlite3_bind_int64(stmt_, i, x ? 1 : 0);
  }
  void bind_one(int i, const std::string& x) {
    sqlite3_bind_text(stmt_, i, x.data(), static_cast<int>(x.size()),
                      SQLITE_STATIC);
  }
  void bind_one(int i, const char* x) {
    sqlite3_bind_text(stmt_, i, x, -1, SQLITE_STATIC);
  }
  void bind_one(int i, const nullable& x) {
    if (x.present)
      bind_one(i, x.text);
    else
      sqlite3_bind_null(stmt_, i);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string sqlite_path(const std::string& url) {
  if (auto file = sqlite_file(url))
    return *file;
  throw database_error("unsupported database connection '" + url
                       + "': expected sqlite:///relative/path.db or "
                         "sqlite:////absolute/path.db");
}

database::database(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty())
    std::filesystem::create_directories(dir, ec);
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw database_error("cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  try {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    // Checkpoints copy the latest version of each page the WAL holds; the
    // writer rewrites the same last pages over and over, so checkpointing
    // every 8,192 pages (32 MiB of WAL) instead of SQLite's 1,000 copies
    // far fewer pages for the same writes.
    exec("PRAGMA wal_autocheckpoint=8192");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

database::~database() {
  cache_.clear();
  sqlite3_close(db_);
}

void database::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw database_error(why);
  }
}

database::statement& database::prepared(const char* sql) {
  // Keyed by the literal's address: every caller passes a string literal.
  for (auto& kv : cache_)
    if (kv.first == sql)
      return *kv.second;
  cache_.emplace_back(sql, std::make_unique<statement>(db_, sql));
  return *cache_.back().second;
}

int database::latest_version() {
  return static_cast<int>(std::size(migrations));
}

int database::migrate() {
  statement version{db_, "PRAGMA user_version"};
  version.step();
  auto before = static_cast<int>(version.integer(0));
  if (before > latest_version())
    throw database_error("the database has schema version "
                         + std::to_string(before) + ", newer than this "
                         "vmforged knows ("
                         + std::to_string(latest_version()) + ")");
  for (int v = before; v < latest_version(); ++v) {
    begin();
    try {
      exec(migrations[v]);
      exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
      commit();
    } catch (const database_error& e) {
      rollback();
      throw database_error("migration " + std::to_string(v + 1)
                           + " failed: " + e.what());
    }
  }
  if (before == 0) {
    // A new database starts with Nova's classic flavors; after that the
    // flavors are the operator's (os-flavor-manage).
    begin();
    for (auto& f : default_flavors())
      put_flavor(f);
    commit();
  }
  return before;
}

void database::begin() {
  exec("BEGIN IMMEDIATE");
}

void database::commit() {
  exec("COMMIT");
}

void database::rollback() {
  exec("ROLLBACK");
}

stored_state database::open(const std::vector<image>& images) {
  migrate();
  replace_images(images);
  return load();
}

stored_state database::load() {
  stored_state out;
  std::map<int64_t, size_t> index; // instances.id -> position
  {
    statement q{db_, R"(SELECT id, uuid, display_name, display_description,
      project_id, user_id, reservation_id, instance_type_id, flavor_name, vcpus,
      memory_mb, root_gb, ephemeral_gb, swap, flavor_is_public, image_ref,
      availability_zone, access_ip_v4, access_ip_v6, disk_config, key_name,
      security_groups, locked, vm_state, task_state, power_state, host,
      created_at, updated_at, launched_at, user_data, key_data, config_drive,
      requested_networks, locked_reason, hostname, pinned_availability_zone,
      scheduler_hints, flavor_extra_specs, trusted_certs, terminated_at
      FROM instances ORDER BY id)"};
    while (q.step()) {
      instance r;
      r.db_id = q.integer(0);
      r.id = q.text(1);
      r.name = q.text(2);
      r.has_description = !q.is_null(3);
      r.description = q.text(3);
      r.project_id = q.text(4);
      r.user_id = q.text(5);
      r.reservation_id = q.text(6);
      r.flavor_ = flavor{q.text(7),     q.text(8),     q.integer(9),
                         q.integer(10), q.integer(11), q.integer(12),
                         q.integer(13), q.integer(14) != 0,
                         false,         {},            {}};
      r.image_id = q.text(15);
      r.availability_zone = q.text(16);
      r.access_ipv4 = q.text(17);
      r.access_ipv6 = q.text(18);
      r.disk_config = q.text(19);
      r.key_name = q.text(20);
      r.security_groups = strings_from_json(q.text(21));
      r.locked = q.integer(22) != 0;
      r.vm = parse_enum(q.text(23), vm_state::building, vm_state::rescued);
      r.task = q.is_null(24) ? task_state::none
                             : parse_enum(q.text(24), task_state::none,
                                          task_state::unrescuing);
      r.power = static_cast<power_state>(q.integer(25));
      r.host = q.text(26);
      r.created_us = q.integer(27);
      r.updated_us = q.integer(28);
      r.launched_us = q.integer(29);
      r.user_data = q.text(30);
      r.key_data = q.text(31);
      r.config_drive = q.integer(32) != 0;
      r.requested_networks = request_from_json(q.text(33));
      r.locked_reason = q.text(34);
      r.hostname = q.text(35);
      r.pinned_availability_zone = q.text(36);
      r.scheduler_hints = hints_from_json(q.text(37));
      r.flavor_.extra_specs = map_from_json(q.text(38));
      r.trusted_certs = strings_from_json(q.text(39));
      r.terminated_us = q.is_null(40) ? 0 : q.integer(40);
      index.emplace(r.db_id, out.instances.size());
      out.instances.push_back(std::move(r));
    }
  }
  {
    statement q{db_, "SELECT instance_id, key, value FROM instance_metadata"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end())
        out.instances[i->second].metadata[q.text(1)] = q.text(2);
  }
  {
    statement q{db_, "SELECT instance_id, key, value "
                     "FROM instance_system_metadata"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end())
        out.instances[i->second].system_metadata[q.text(1)] = q.text(2);
  }
  {
    statement q{db_, "SELECT resource_id, tag FROM tags ORDER BY tag"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end())
        out.instances[i->second].tags.push_back(q.text(1));
  }
  {
    statement q{db_, "SELECT instance_id, uuid, network, address, mac "
                     "FROM virtual_interfaces ORDER BY instance_id, position"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end())
        out.instances[i->second].vifs.push_back(
          vif{q.text(1), network_from_json(q.text(2)), q.text(4), q.text(3)});
  }
  {
    // The latest fault of each instance is the one the API shows.
    statement q{db_, "SELECT instance_id, code, message, details, created_at "
                     "FROM instance_faults ORDER BY id"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end()) {
        auto& r = out.instances[i->second];
        r.has_fault = true;
        r.fault_ = fault{static_cast<int32_t>(q.integer(1)), q.text(2),
                         q.text(3), q.integer(4)};
      }
  }
  {
    statement q{db_, "SELECT instance_id, request_id, action, user_id, "
                     "project_id, start_time, events FROM instance_actions "
                     "ORDER BY start_time"};
    while (q.step())
      if (auto i = index.find(q.integer(0)); i != index.end())
        out.actions.emplace_back(
          out.instances[i->second].id,
          action_record{q.text(2), q.text(1), q.text(3), q.text(4),
                        q.integer(5), events_from_json(q.text(6))});
  }
  auto& cat = out.catalog;
  {
    std::map<std::string, size_t> flavors;
    statement q{db_, "SELECT flavorid, name, vcpus, memory_mb, root_gb, "
                     "ephemeral_gb, swap, is_public, description IS NOT NULL, "
                     "coalesce(description, '') FROM flavors"};
    while (q.step()) {
      flavors.emplace(q.text(0), cat.flavors.size());
      cat.flavors.push_back(flavor{q.text(0), q.text(1), q.integer(2),
                                   q.integer(3), q.integer(4), q.integer(5),
                                   q.integer(6), q.integer(7) != 0,
                                   q.integer(8) != 0, q.text(9), {}});
    }
    statement e{db_, "SELECT flavorid, key, value FROM flavor_extra_specs"};
    while (e.step())
      if (auto i = flavors.find(e.text(0)); i != flavors.end())
        cat.flavors[i->second].extra_specs.emplace(e.text(1), e.text(2));
    statement p{db_, "SELECT flavorid, project_id FROM flavor_projects "
                     "ORDER BY flavorid, project_id"};
    while (p.step())
      cat.flavor_projects[p.text(0)].push_back(p.text(1));
  }
  {
    std::map<int64_t, size_t> aggs;
    statement q{db_, "SELECT id, uuid, name, created_at, updated_at "
                     "FROM aggregates ORDER BY id"};
    while (q.step()) {
      aggs.emplace(q.integer(0), cat.aggregates.size());
      cat.aggregates.push_back(aggregate{q.integer(0), q.text(1), q.text(2),
                                         {}, {}, q.integer(3), q.integer(4)});
    }
    statement h{db_, "SELECT aggregate_id, host FROM aggregate_hosts "
                     "ORDER BY aggregate_id, position"};
    while (h.step())
      if (auto i = aggs.find(h.integer(0)); i != aggs.end())
        cat.aggregates[i->second].hosts.push_back(h.text(1));
    statement m{db_, "SELECT aggregate_id, key, value FROM aggregate_metadata"};
    while (m.step())
      if (auto i = aggs.find(m.integer(0)); i != aggs.end())
        cat.aggregates[i->second].metadata.emplace(m.text(1), m.text(2));
  }
  {
    statement q{db_, "SELECT id, name, user_id, public_key, fingerprint, type, "
                     "created_at FROM key_pairs ORDER BY id"};
    while (q.step())
      cat.keypairs.push_back(keypair{q.integer(0), q.text(1), q.text(2),
                                     q.text(3), q.text(4), q.text(5),
                                     q.integer(6)});
  }
  {
    statement q{db_, "SELECT scope, project_id, user_id, resource, hard_limit "
                     "FROM quotas"};
    while (q.step())
      cat.quotas.push_back(quota_entry{q.text(0), q.text(1), q.text(2),
                                       q.text(3), q.integer(4)});
  }
  {
    std::map<int64_t, size_t> groups;
    statement q{db_, "SELECT id, name, description, project_id "
                     "FROM security_groups ORDER BY id"};
    while (q.step()) {
      groups.emplace(q.integer(0), cat.security_groups.size());
      cat.security_groups.push_back(
        security_group_info{q.integer(0), q.text(1), q.text(2), q.text(3), {}});
    }
    // A rule's group name and project are the API's to fill in.
    statement r{db_, "SELECT id, parent_group_id, protocol, from_port, to_port, "
                     "cidr, IFNULL(group_id, 0) FROM security_group_rules "
                     "ORDER BY id"};
    while (r.step())
      if (auto g = groups.find(r.integer(1)); g != groups.end())
        cat.security_groups[g->second].rules.push_back(
          security_group_rule_info{r.integer(0), r.integer(1), r.text(2),
                                   r.integer(3), r.integer(4), r.text(5),
                                   r.integer(6), {}, {}});
  }
  {
    std::map<std::string, size_t> groups;
    statement q{db_, "SELECT uuid, name, project_id, user_id, policy, "
                     "max_server_per_host, created_at FROM instance_groups "
                     "ORDER BY created_at"};
    while (q.step()) {
      groups.emplace(q.text(0), cat.server_groups.size());
      cat.server_groups.push_back(server_group{q.text(0), q.text(1), q.text(2),
                                               q.text(3), q.text(4),
                                               q.integer(5), {}, q.integer(6)});
    }
    statement m{db_, "SELECT group_uuid, instance_uuid FROM "
                     "instance_group_member ORDER BY group_uuid, position"};
    while (m.step())
      if (auto g = groups.find(m.text(0)); g != groups.end())
        cat.server_groups[g->second].members.push_back(m.text(1));
  }
  {
    statement q{db_, "SELECT host, availability_zone, vcpus, memory_mb, "
                     "local_gb, disabled, disabled_reason, last_seen_up, "
                     "forced_down FROM compute_nodes ORDER BY host"};
    while (q.step())
      out.hosts.push_back(host_record{
        q.text(0), q.text(1), resources{q.integer(2), q.integer(3), q.integer(4)},
        q.integer(5) != 0, q.text(6), q.integer(7), q.integer(8) != 0});
  }
  return out;
}

void database::put_instance(const instance& r, bool with_metadata) {
  auto& q = prepared(R"(INSERT OR REPLACE INTO instances (id, uuid, display_name,
    display_description, project_id, user_id, reservation_id, instance_type_id,
    flavor_name, vcpus, memory_mb, root_gb, ephemeral_gb, swap,
    flavor_is_public, image_ref, availability_zone, access_ip_v4, access_ip_v6,
    disk_config, key_name, security_groups, locked, vm_state, task_state,
    power_state, host, created_at, updated_at, launched_at, user_data,
    key_data, config_drive, requested_networks, locked_reason, hostname,
    pinned_availability_zone, scheduler_hints, flavor_extra_specs,
    trusted_certs, terminated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
    ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
    ?, ?, ?, ?))");
  auto& f = r.flavor_;
  // Unset optional fields are NULL, as Nova's are.
  q.bind(r.db_id, r.id, r.name, nullable{r.has_description, r.description},
         r.project_id, r.user_id, r.reservation_id, f.id, f.name, f.vcpus,
         f.ram_mb, f.disk_gb, f.ephemeral_gb, f.swap_mb, f.is_public,
         r.image_id, r.availability_zone, r.access_ipv4, r.access_ipv6,
         r.disk_config, r.key_name, to_json(r.security_groups), r.locked,
         to_string(r.vm),
         nullable{r.task != task_state::none, to_string(r.task)},
         static_cast<int64_t>(r.power), nullable{!r.host.empty(), r.host},
         r.created_us, r.updated_us,
         nullable{r.launched_us != 0, std::to_string(r.launched_us)},
         r.user_data, r.key_data, r.config_drive,
         to_json(r.requested_networks),
         nullable{!r.locked_reason.empty(), r.locked_reason}, r.hostname,
         nullable{!r.pinned_availability_zone.empty(),
                  r.pinned_availability_zone},
         to_json(r.scheduler_hints), to_json(f.extra_specs),
         to_json(r.trusted_certs),
         nullable{r.terminated_us != 0, std::to_string(r.terminated_us)})
    .run();
  if (!with_metadata)
    return;
  prepared("DELETE FROM instance_metadata WHERE instance_id = ?")
    .bind(r.db_id)
    .run();
  auto& m = prepared("INSERT INTO instance_metadata (instance_id, key, value) "
                     "VALUES (?, ?, ?)");
  for (auto& kv : r.metadata)
    m.bind(r.db_id, kv.first, kv.second).run();
  prepared("DELETE FROM instance_system_metadata WHERE instance_id = ?")
    .bind(r.db_id)
    .run();
  auto& sm = prepared("INSERT INTO instance_system_metadata (instance_id, "
                      "key, value) VALUES (?, ?, ?)");
  for (auto& kv : r.system_metadata)
    sm.bind(r.db_id, kv.first, kv.second).run();
  prepared("DELETE FROM tags WHERE resource_id = ?").bind(r.db_id).run();
  auto& t = prepared("INSERT INTO tags (resource_id, tag) VALUES (?, ?)");
  for (auto& tag : r.tags)
    t.bind(r.db_id, tag).run();
  prepared("DELETE FROM virtual_interfaces WHERE instance_id = ?")
    .bind(r.db_id)
    .run();
  auto& v = prepared("INSERT INTO virtual_interfaces (instance_id, uuid, "
                     "position, network, address, mac) "
                     "VALUES (?, ?, ?, ?, ?, ?)");
  for (size_t i = 0; i < r.vifs.size(); ++i) {
    auto& x = r.vifs[i];
    v.bind(r.db_id, x.id, static_cast<int64_t>(i), to_json(x.net), x.address,
           x.mac)
      .run();
  }
}

void database::drop_instance(int64_t id) {
  // A deleted row past its retention (Nova's archive_deleted_rows).
  for (auto sql : {"DELETE FROM instances WHERE id = ?",
                   "DELETE FROM instance_metadata WHERE instance_id = ?",
                   "DELETE FROM instance_system_metadata WHERE instance_id = ?",
                   "DELETE FROM virtual_interfaces WHERE instance_id = ?",
                   "DELETE FROM tags WHERE resource_id = ?",
                   "DELETE FROM instance_faults WHERE instance_id = ?",
                   "DELETE FROM instance_actions WHERE instance_id = ?"})
    prepared(sql).bind(id).run();
}

void database::add_fault(int64_t id, const fault& f) {
  prepared("INSERT INTO instance_faults (instance_id, code, message, details, "
           "created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(id, static_cast<int64_t>(f.code), f.message, f.details, f.created_us)
    .run();
}

void database::put_action(int64_t id, const action_record& a) {
  prepared("INSERT OR REPLACE INTO instance_actions (instance_id, request_id, "
           "action, user_id, project_id, start_time, events) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(id, a.request_id, a.action, a.user_id, a.project_id, a.start_us,
          to_json(a.events))
    .run();
}

void database::put_flavor(const flavor& f,
                          const std::vector<std::string>& projects) {
  prepared("INSERT OR REPLACE INTO flavors (flavorid, name, vcpus, memory_mb, "
           "root_gb, ephemeral_gb, swap, is_public) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .bind(f.id, f.name, f.vcpus, f.ram_mb, f.disk_gb, f.ephemeral_gb,
          f.swap_mb, f.is_public)
    .run();
  // NULL: no description (null in the view).
  if (f.has_description)
    prepared("UPDATE flavors SET description = ? WHERE flavorid = ?")
      .bind(f.description, f.id)
      .run();
  prepared("DELETE FROM flavor_extra_specs WHERE flavorid = ?").bind(f.id).run();
  auto& spec = prepared("INSERT INTO flavor_extra_specs (flavorid, key, value) "
                        "VALUES (?, ?, ?)");
  for (auto& kv : f.extra_specs)
    spec.bind(f.id, kv.first, kv.second).run();
  prepared("DELETE FROM flavor_projects WHERE flavorid = ?").bind(f.id).run();
  auto& access = prepared("INSERT INTO flavor_projects (flavorid, project_id) "
                          "VALUES (?, ?)");
  for (auto& p : projects)
    access.bind(f.id, p).run();
}

void database::drop_flavor(const std::string& id) {
  prepared("DELETE FROM flavors WHERE flavorid = ?").bind(id).run();
  prepared("DELETE FROM flavor_extra_specs WHERE flavorid = ?").bind(id).run();
  prepared("DELETE FROM flavor_projects WHERE flavorid = ?").bind(id).run();
}

void database::put_aggregate(const aggregate& a) {
  drop_aggregate(a.id);
  prepared("INSERT INTO aggregates (id, uuid, name, created_at, updated_at) "
           "VALUES (?, ?, ?, ?, ?)")
    .bind(a.id, a.uuid, a.name, a.created_us, a.updated_us)
    .run();
  auto& host = prepared("INSERT INTO aggregate_hosts (aggregate_id, position, "
                        "host) VALUES (?, ?, ?)");
  for (size_t i = 0; i < a.hosts.size(); ++i)
    host.bind(a.id, static_cast<int64_t>(i), a.hosts[i]).run();
  auto& meta = prepared("INSERT INTO aggregate_metadata (aggregate_id, key, "
                        "value) VALUES (?, ?, ?)");
  for (auto& kv : a.metadata)
    meta.bind(a.id, kv.first, kv.second).run();
}

void database::drop_aggregate(int64_t id) {
  prepared("DELETE FROM aggregates WHERE id = ?").bind(id).run();
  prepared("DELETE FROM aggregate_hosts WHERE aggregate_id = ?").bind(id).run();
  prepared("DELETE FROM aggregate_metadata WHERE aggregate_id = ?")
    .bind(id)
    .run();
}

void database::put_keypair(const keypair& kp) {
  prepared("INSERT OR REPLACE INTO key_pairs (user_id, name, id, fingerprint, "
           "public_key, type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(kp.user_id, kp.name, kp.id, kp.fingerprint, kp.public_key, kp.type,
          kp.created_us)
    .run();
}

void database::drop_keypair(const std::string& user_id,
                            const std::string& name) {
  prepared("DELETE FROM key_pairs WHERE user_id = ? AND name = ?")
    .bind(user_id, name)
    .run();
}

void database::put_quota(const quota_entry& q) {
  prepared("INSERT OR REPLACE INTO quotas (scope, project_id, user_id, "
           "resource, hard_limit) VALUES (?, ?, ?, ?, ?)")
    .bind(q.scope, q.project_id, q.user_id, q.resource, q.limit)
    .run();
}

void database::drop_project_quotas(const std::string& project_id) {
  prepared("DELETE FROM quotas WHERE scope IN ('project', 'user') "
           "AND project_id = ?")
    .bind(project_id)
    .run();
}

void database::put_security_groups(
  const std::string& project_id, const std::vector<security_group_info>& groups) {
  prepared("DELETE FROM security_group_rules WHERE parent_group_id IN "
           "(SELECT id FROM security_groups WHERE project_id = ?)")
    .bind(project_id)
    .run();
  prepared("DELETE FROM security_groups WHERE project_id = ?")
    .bind(project_id)
    .run();
  auto& g = prepared("INSERT INTO security_groups (id, project_id, name, "
                     "description) VALUES (?, ?, ?, ?)");
  auto& r = prepared("INSERT INTO security_group_rules (id, parent_group_id, "
                     "protocol, from_port, to_port, cidr, group_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (auto& x : groups) {
    g.bind(x.id, project_id, x.name, x.description).run();
    for (auto& rule : x.rules)
      r.bind(rule.id, x.id, rule.ip_protocol, rule.from_port, rule.to_port,
             rule.cidr,
             nullable{rule.group_id != 0, std::to_string(rule.group_id)})
        .run();
  }
}

void database::put_server_group(const server_group& g) {
  drop_server_group(g.id);
  prepared("INSERT INTO instance_groups (uuid, name, project_id, user_id, "
           "policy, max_server_per_host, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")
    .bind(g.id, g.name, g.project_id, g.user_id, g.policy,
          g.max_server_per_host, g.created_us)
    .run();
  auto& m = prepared("INSERT INTO instance_group_member (group_uuid, "
                     "position, instance_uuid) VALUES (?, ?, ?)");
  for (size_t i = 0; i < g.members.size(); ++i)
    m.bind(g.id, static_cast<int64_t>(i), g.members[i]).run();
}

void database::drop_server_group(const std::string& id) {
  prepared("DELETE FROM instance_group_member WHERE group_uuid = ?")
    .bind(id)
    .run();
  prepared("DELETE FROM instance_groups WHERE uuid = ?").bind(id).run();
}

void database::put_host(const host_record& h) {
  // The operator's disabled and forced_down flags survive heartbeats
  // (os-services sets them).
  prepared("INSERT INTO compute_nodes (host, availability_zone, vcpus, "
           "memory_mb, local_gb, last_seen_up) VALUES (?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (host) DO UPDATE SET availability_zone = "
           "excluded.availability_zone, vcpus = excluded.vcpus, memory_mb = "
           "excluded.memory_mb, local_gb = excluded.local_gb, last_seen_up = "
           "excluded.last_seen_up")
    .bind(h.host, h.availability_zone, h.capacity.vcpus, h.capacity.ram_mb,
          h.capacity.disk_gb, h.last_seen_us)
    .run();
}

void database::set_host_status(const std::string& host, bool disabled,
                               const std::string& reason) {
  prepared("UPDATE compute_nodes SET disabled = ?, disabled_reason = ? "
           "WHERE host = ?")
    .bind(disabled, reason, host)
    .run();
}

void database::set_host_forced_down(const std::string& host,
                                    bool forced_down) {
  prepared("UPDATE compute_nodes SET forced_down = ? WHERE host = ?")
    .bind(forced_down, host)
    .run();
}

void database::replace_images(const std::vector<image>& images) {
  exec("DELETE FROM images");
  auto& q = prepared("INSERT INTO images (id, name, file, disk_format, "
                     "min_ram, min_disk) VALUES (?, ?, ?, ?, ?, ?)");
  for (auto& i : images)
    q.bind(i.id, i.name, i.file, i.disk_format, i.min_ram_mb, i.min_disk_gb)
      .run();
}

} // namespace vmforge
