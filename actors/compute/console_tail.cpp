#include "actors/compute/console_tail.hpp"

namespace vmforge {

std::string console_tail(const std::string& log, int64_t length) {
  if (length == 0)
    return {};
  // The last `length` pieces begin after the length-th '\n' from the end.
  size_t start = 0;
  auto pos = log.size();
  for (int64_t n = 0; length > 0 && n < length; ++n) {
    auto nl = pos == 0 ? std::string::npos : log.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      start = 0;
      break;
    }
    start = nl + 1;
    pos = nl;
  }
  std::string out;
  out.reserve(log.size() - start);
  for (size_t i = start; i < log.size(); ++i) {
    auto c = static_cast<unsigned char>(log[i]);
    if (c >= 0x80)
      out += "\xef\xbf\xbd";
    else if (c >= 0x20 || c == '\t' || c == '\n')
      out += static_cast<char>(c);
  }
  return out;
}

} // namespace vmforge
