#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "drivers/config_drive_iso.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/process.hpp"

using namespace vmforge;
namespace fs = std::filesystem;

namespace {

// isoinfo (genisoimage's companion) reads a file back through Rock Ridge.
std::string read_back(const std::string& iso, const std::string& path) {
  auto out = fs::path{iso}.parent_path() / "read-back";
  auto cmd = "isoinfo -R -x " + path + " -i " + iso + " > " + out.string();
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream in{out};
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

} // namespace

TEST_CASE("write_config_drive makes a config-2 ISO that isoinfo reads",
          "[config_drive_iso]") {
  test::temp_dir dir;
  auto iso = (dir.path / "disk.config").string();
  auto st = write_config_drive({{"openstack/latest/meta_data.json", "{\"uuid\":\"u\"}"},
                                {"openstack/latest/user_data", "#!/bin/sh\n"}},
                               iso);
  REQUIRE(st.ok);
  CHECK(read_back(iso, "/openstack/latest/meta_data.json") == "{\"uuid\":\"u\"}");
  CHECK(read_back(iso, "/openstack/latest/user_data") == "#!/bin/sh\n");
  auto label = run_command({"isoinfo", "-d", "-i", iso});
  CHECK(label.error.find("Volume id: config-2") != std::string::npos);
  CHECK_FALSE(fs::exists(iso + ".d")); // the scratch files are gone
  CHECK((fs::status(iso).permissions() & fs::perms::others_read)
        != fs::perms::none);
}

TEST_CASE("a config drive that cannot be made leaves nothing behind",
          "[config_drive_iso]") {
  test::temp_dir dir;
  // genisoimage cannot write its output over a folder; the scratch files
  // of an earlier attempt are there too.
  auto iso = (dir.path / "disk.config").string();
  fs::create_directories(iso);
  fs::create_directories(iso + ".d");
  std::ofstream{iso + ".d/stale"} << "x";
  auto st = write_config_drive({{"openstack/latest/meta_data.json", "{}"}}, iso);
  CHECK_FALSE(st.ok);
  CHECK(st.retryable);
  CHECK(st.reason.find("genisoimage") != std::string::npos);
  CHECK_FALSE(fs::exists(iso));
  CHECK_FALSE(fs::exists(iso + ".d"));
}

TEST_CASE("make_config_drive aborts a build whose user_data is not base64",
          "[config_drive_iso]") {
  test::temp_dir dir;
  spawn_spec s;
  s.instance_id = "i-1";
  s.guest.user_data = "%%%%";
  auto iso = (dir.path / "disk.config").string();
  auto st = make_config_drive(s, iso);
  CHECK_FALSE(st.ok);
  CHECK_FALSE(st.retryable);
  CHECK_FALSE(fs::exists(iso));
}
