#pragma once

#include <map>
#include <string>

#include "drivers/driver.hpp"

// What an OpenStack config drive holds (Nova's nova/api/metadata/base.py
// InstanceMetadata as nova/virt/configdrive.py writes it): the files, by
// their path inside the drive, for one instance. Pure: the ISO is made of
// them by drivers/config_drive_iso.hpp.
namespace vmforge {

/// Nova's utils.sanitize_hostname (before microversion 2.90): characters
/// outside Latin-1 dropped, at most 63, ' ', '_' and '.' become '-', what
/// is not a word character or '-' removed, lower case, leading and
/// trailing '.' and '-' stripped; `default_name` if nothing is left.
std::string sanitize_hostname(const std::string& name,
                              const std::string& default_name);

/// The drive's files: openstack/<version>/meta_data.json, user_data (the
/// create's base64 decoded; only if it gave one), vendor_data.json,
/// vendor_data2.json and network_data.json (from spec.vifs), under
/// "latest" and each dated version Nova writes that has the file. The
/// hostname is the sanitised display name with `dhcp_domain` appended
/// (Nova's [api] dhcp_domain, "novalocal"; empty: none). Throws
/// std::invalid_argument if user_data is not base64.
std::map<std::string, std::string>
config_drive_files(const spawn_spec& spec,
                   const std::string& dhcp_domain = "novalocal");

} // namespace vmforge
