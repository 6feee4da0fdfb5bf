#pragma once

#include <string>

#include <caf/error.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/api/catalog.hpp"
#include "actors/api/keypairs.hpp"
#include "actors/api/quotas.hpp"
#include "actors/api/security_groups.hpp"
#include "actors/store/store_actor.hpp"
#include "messages/guest.hpp"
#include "messages/image.hpp"
#include "messages/network.hpp"

// POST /servers before any row exists: what the request must pass, in the
// order Nova reports it, and the rows it makes. The image is checked in
// between, once the image service has answered (image_checks.hpp).
namespace vmforge {

/// What the caller may ask for, as far as it needs no image: a valid name
/// and counts, an imageRef, a flavor and zone of the catalog, metadata
/// within the project's limit, the user's keypair and the project's
/// security groups. None if it passes.
caf::error validate(const create_servers& req, const catalog& cat,
                    const quotas& quota, const keypairs& keys,
                    const security_groups& groups);

/// The request's networks against the configured ones (Nova's
/// _check_requested_networks): every listed network exists, a fixed_ip is
/// a host address of its network and comes with max_count 1, and an
/// automatic choice has one network to choose (NetworkAmbiguous).
caf::error check_networks(const create_servers& req,
                          const std::vector<network>& nets);

/// What the guest is given at boot, as the create fixes it: the keypair's
/// public key now, the user_data, and a config drive if the request, the
/// operator ([DEFAULT] force_config_drive) or the image
/// (img_config_drive=mandatory) wants one.
using image_properties = std::map<std::string, std::string>;

guest_data guest_of(const create_servers& req, const keypairs& keys,
                    const image& img, bool force_config_drive);

/// The rows of a validated request of flavor `fl` (the one validate
/// found), all BUILD/scheduling, named after `name_template` when there
/// are several (Nova's multi_instance_display_name_template), with the
/// project's limits, the request's networks and `guest`'s boot data,
/// the image's properties kept as Nova keeps them (system metadata
/// image_<key>, shown from 2.98), the hostname asked for or made from the
/// name, the tags sorted and unique, and the zone asked for pinned.
create_instances rows_of(const create_servers& req, const flavor& fl,
                         const quotas& quota, const std::string& name_template,
                         const std::string& reservation_id,
                         const guest_data& guest = {},
                         const image_properties& props = {});

/// nova.utils.sanitize_hostname: at most 63 characters, ' ', '_' and '.'
/// become '-', anything but letters, digits and '-' goes, lower case, no
/// leading or trailing '-' or '.' (characters beyond ASCII are dropped).
std::string sanitize_hostname(const std::string& name);

} // namespace vmforge
