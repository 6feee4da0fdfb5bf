#include "drivers/config_drive_iso.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "drivers/config_drive.hpp"
#include "util/process.hpp"

namespace vmforge {

namespace fs = std::filesystem;

driver_status write_config_drive(const std::map<std::string, std::string>& files,
                                 const std::string& iso,
                                 std::chrono::milliseconds timeout) {
  std::error_code ec;
  auto scratch = fs::path{iso + ".d"};
  fs::remove_all(scratch, ec);
  auto fail = [&](const std::string& why) {
    fs::remove_all(scratch, ec);
    fs::remove(iso, ec);
    return driver_status::failure("Config drive " + iso + ": " + why, true);
  };
  for (auto& kv : files) {
    auto path = scratch / kv.first;
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out{path, std::ios::binary};
    out << kv.second;
    if (!out.flush())
      return fail("cannot write " + path.string());
  }
  auto res = run_command({"genisoimage", "-o", iso, "-ldots", "-allow-lowercase",
                          "-allow-multidot", "-l", "-publisher", "vmforge",
                          "-quiet", "-J", "-r", "-V", "config-2",
                          scratch.string()},
                         timeout);
  if (!res.ok())
    return fail("genisoimage failed: " + res.error);
  fs::remove_all(scratch, ec);
  // qemu runs as libvirt-qemu: the drive must be readable by it.
  fs::permissions(iso, fs::perms::owner_read | fs::perms::owner_write
                         | fs::perms::group_read | fs::perms::others_read,
                  ec);
  return driver_status::success();
}

driver_status make_config_drive(const spawn_spec& spec, const std::string& iso) {
  std::map<std::string, std::string> files;
  try {
    files = config_drive_files(spec);
  } catch (const std::invalid_argument& e) {
    return driver_status::failure("Build of instance " + spec.instance_id
                                    + " aborted: " + e.what(),
                                  false);
  }
  return write_config_drive(files, iso);
}

} // namespace vmforge
