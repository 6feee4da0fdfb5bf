#pragma once

#include <string>

#include "config/options.hpp"
#include "store/database.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/uuid.hpp"

// A database file per test and a row with every field set, for the tests
// of the database and of its writer.
namespace vmforge::test {

/// The database file of a test, in a directory of its own.
inline std::string db_path(const temp_dir& dir) {
  return (dir.path / "var" / "test.db").string();
}

/// Reads the file through a connection of its own, as a restart would.
inline stored_state reload(const temp_dir& dir) {
  database db{db_path(dir)};
  return db.load();
}

inline instance sample_row(int64_t db_id) {
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

} // namespace vmforge::test
