#pragma once

#include <chrono>
#include <map>
#include <string>

#include "drivers/driver.hpp"

// The config drive as a file (Nova's nova/virt/configdrive.py
// ConfigDriveBuilder): an ISO 9660 image labelled config-2, made by
// genisoimage from the files of drivers/config_drive.hpp.
namespace vmforge {

/// How long genisoimage may take before it is killed: a drive is a few
/// KiB, so anything longer is a stuck tool.
constexpr std::chrono::seconds config_drive_timeout{30};

/// Writes `files` (path inside the drive -> content) to `iso` with Nova's
/// genisoimage options (Joliet and Rock Ridge, so that lower-case names
/// stay). Blocking: runs on a driver worker. On failure (retryable: the
/// tool is missing or broken on this host) nothing is left at `iso` nor
/// in the scratch folder it writes the files to first.
driver_status write_config_drive(const std::map<std::string, std::string>& files,
                                 const std::string& iso,
                                 std::chrono::milliseconds timeout
                                 = config_drive_timeout);

/// Nova's disk.config of a spawn that asked for one: the files of
/// config_drive_files(spec) written to `iso`. A user_data that is not
/// base64 aborts the build (no host would do better).
driver_status make_config_drive(const spawn_spec& spec, const std::string& iso);

} // namespace vmforge
