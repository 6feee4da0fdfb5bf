#pragma once

#include <filesystem>

namespace vmforge::test {

/// A fresh directory under the system's temporary one, removed afterwards.
struct temp_dir {
  std::filesystem::path path;
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

} // namespace vmforge::test
