#pragma once

#include <string>
#include <vector>

// Running a helper program (qemu-img) to its end, as Nova's
// processutils.execute does: no shell, the first lines of its stderr kept
// for the error message.
namespace vmforge {

struct command_result {
  /// The exit status; 127 if the program could not be run, -1 if it was
  /// killed by a signal.
  int status = -1;
  /// What it wrote to stderr (at most a few KiB).
  std::string error;

  bool ok() const {
    return status == 0;
  }
};

/// Runs `argv` (argv[0] looked up in PATH) and waits for it. Blocking:
/// callers are driver workers or threads of their own.
command_result run_command(const std::vector<std::string>& argv);

} // namespace vmforge
