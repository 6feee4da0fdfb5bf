#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/records.hpp"

struct sqlite3;
struct sqlite3_stmt;

// The SQLite database: schema migrations, the load at start and the writes
// the store writer batches. One connection, used by one thread at a time.
namespace vmforge {

struct database_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The file a `[database] connection` URL names (see sqlite_file in
/// config/options.hpp); throws database_error for anything else.
std::string sqlite_path(const std::string& url);

class database {
public:
  /// Opens (creating the file and its directory if needed) in WAL mode with
  /// synchronous=FULL: a commit is on disk when it returns.
  explicit database(const std::string& path);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Applies the numbered migrations the file lacks (a new database also
  /// gets the classic flavors); answers the version it had before (0: new).
  int migrate();
  /// The latest schema version this build knows.
  static int latest_version();

  stored_state load();
  /// What a start does: migrate, replace the image catalog with the
  /// configuration's, then load.
  stored_state open(const std::vector<image>& images);

  void begin();
  void commit();
  void rollback();

  /// `with_metadata`: the metadata rows, tags and the virtual interfaces are
  /// rewritten too.
  void put_instance(const instance& row, bool with_metadata);
  // Instances' records are keyed by instance.db_id.
  void drop_instance(int64_t id);
  void add_fault(int64_t id, const fault& f);
  /// The action with all its events.
  void put_action(int64_t id, const action_record& a);
  /// The flavor, its extra specs and its projects (replacing what was).
  void put_flavor(const flavor& f,
                  const std::vector<std::string>& projects = {});
  void drop_flavor(const std::string& id);
  void put_aggregate(const aggregate& a);
  void drop_aggregate(int64_t id);
  void put_keypair(const keypair& kp);
  void drop_keypair(const std::string& user_id, const std::string& name);
  void put_quota(const quota_entry& q);
  /// Drops a project's own limits and its users' (back to the defaults).
  void drop_project_quotas(const std::string& project_id);
  /// Replaces the security groups (and rules) of one project.
  void put_security_groups(const std::string& project_id,
                           const std::vector<security_group_info>& groups);
  /// Replaces a server group and its members.
  void put_server_group(const server_group& g);
  void drop_server_group(const std::string& id);
  void put_host(const host_record& h);
  void set_host_status(const std::string& host, bool disabled,
                       const std::string& reason);
  void set_host_forced_down(const std::string& host, bool forced_down);
  /// The image catalog is the configuration's: replaced at every start.
  void replace_images(const std::vector<image>& images);

private:
  class statement;
  statement& prepared(const char* sql);
  void exec(const char* sql);

  sqlite3* db_ = nullptr;
  std::vector<std::pair<const char*, std::unique_ptr<statement>>> cache_;
};

} // namespace vmforge
