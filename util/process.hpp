#pragma once

#include <chrono>
#include <string>
#include <vector>

// Running a helper program (qemu-img, genisoimage) to its end, as Nova's
// processutils.execute does: no shell, the first lines of its output kept
// for the error message, and optionally a deadline after which it is
// killed.
namespace vmforge {

struct command_result {
  /// The exit status; 127 if the program could not be run, -1 if it was
  /// killed by a signal (or by the deadline: then `timed_out`).
  int status = -1;
  /// What it wrote to stderr and stdout (at most a few KiB).
  std::string error;
  bool timed_out = false;

  bool ok() const {
    return status == 0;
  }
};

/// Runs `argv` (argv[0] looked up in PATH) and waits for it, at most
/// `timeout` if it is positive (then the program is killed with SIGKILL
/// and reaped). Blocking: callers are driver workers or threads of their
/// own.
command_result run_command(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout
                           = std::chrono::milliseconds{0});

} // namespace vmforge
