#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tests/support/temp_dir.hpp"

// Real disk images for the tests of what checks them: made by qemu-img
// (Debian's qemu-utils), as the embedded catalog makes its blank disks.
namespace vmforge::test {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Runs `qemu-img create -q -f FORMAT [EXTRA] FILE SIZE` into `file`.
inline void qemu_img_create(const std::filesystem::path& file,
                            const std::string& format,
                            const std::string& size = "1M",
                            const std::string& extra = {}) {
  auto cmd = "qemu-img create -q -f " + format + " " + extra + " '"
             + file.string() + "' " + size;
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("failed: " + cmd);
}

/// The bytes of a blank disk image of `format` (qcow2, vmdk, vdi...).
inline std::string blank_disk(const std::string& format,
                              const std::string& size = "1M") {
  temp_dir tmp;
  auto file = tmp.path / ("disk." + format);
  qemu_img_create(file, format, size);
  return read_file(file);
}

/// A qcow2 image whose backing file is `backing` (which it does not need
/// to exist: -u).
inline std::string qcow2_backed_by(const std::string& backing) {
  temp_dir tmp;
  auto file = tmp.path / "overlay.qcow2";
  qemu_img_create(file, "qcow2", "1M", "-u -F raw -b '" + backing + "'");
  return read_file(file);
}

} // namespace vmforge::test
