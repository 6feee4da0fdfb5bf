#include "drivers/console_log.hpp"

#include <algorithm>
#include <fstream>

namespace vmforge {

std::string read_log_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in{path, std::ios::binary | std::ios::ate};
  if (!in)
    return {};
  auto size = static_cast<size_t>(in.tellg());
  auto n = std::min(size, max_bytes);
  std::string out(n, '\0');
  in.seekg(static_cast<std::streamoff>(size - n));
  in.read(out.data(), static_cast<std::streamsize>(n));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

} // namespace vmforge
