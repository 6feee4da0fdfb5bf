#include "tests/support/temp_dir.hpp"

#include "util/uuid.hpp"

namespace vmforge::test {

temp_dir::temp_dir()
  : path(std::filesystem::temp_directory_path() / ("vmforge-" + make_uuid())) {
  std::filesystem::create_directories(path);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

} // namespace vmforge::test
