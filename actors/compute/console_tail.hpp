#pragma once

#include <cstdint>
#include <string>

namespace vmforge {

/// What os-getConsoleOutput answers of the log a driver read: Nova's
/// compute manager's _tail_log (the last `length` pieces of the log split
/// at '\n', so a log ending in a newline counts an empty last line; 0:
/// nothing; -1: all, as the API schema documents it), then what Nova does
/// to the text: bytes outside ASCII become U+FFFD (its 'ascii' decode with
/// 'replace'), control characters other than '\t' and '\n' are removed
/// (the API's filter).
std::string console_tail(const std::string& log, int64_t length);

} // namespace vmforge
