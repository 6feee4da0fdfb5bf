#pragma once

#include <cstddef>
#include <string>

// A guest's console log as os-getConsoleOutput reads it (Nova's libvirt
// driver's get_console_output).
namespace vmforge {

/// Nova's MAX_CONSOLE_BYTES: what is read of a console log, from its end.
constexpr size_t max_console_bytes = 100 * 1024;

/// The last `max_bytes` of the file at `path`; empty if there is none (a
/// guest that wrote nothing yet). Blocking: a driver worker's call.
std::string read_log_tail(const std::string& path,
                          size_t max_bytes = max_console_bytes);

} // namespace vmforge
