#pragma once

#include <string>

#include <caf/error.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/api/catalog.hpp"
#include "actors/api/keypairs.hpp"
#include "actors/api/quotas.hpp"
#include "actors/api/security_groups.hpp"
#include "actors/store/store_actor.hpp"

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

/// The rows of a validated request of flavor `fl` (the one validate
/// found), all BUILD/scheduling, named after `name_template` when there
/// are several (Nova's multi_instance_display_name_template), with the
/// project's limits.
create_instances rows_of(const create_servers& req, const flavor& fl,
                         const quotas& quota, const std::string& name_template,
                         const std::string& reservation_id);

} // namespace vmforge
