#pragma once

#include <map>
#include <string>

#include "actors/image/image_actor.hpp"
#include "messages/context.hpp"
#include "messages/instance.hpp"

// createImage and shelve before any host works: the image record made
// first (Nova's compute_utils.create_image and
// initialize_instance_snapshot_metadata), as a plain function.
namespace vmforge {

/// The queued image a snapshot of `row` becomes, asked by `ctx`: named
/// `name`, with Nova's properties (image_type snapshot, instance_uuid,
/// user_id, base_image_ref, owner_id), what the instance's image passes on
/// (`source`, its properties but the non-inheritable ones, min_ram and
/// min_disk, the latter at least the flavor's root disk), then `metadata`
/// on top. Private, or shared with instance_owner when the caller is not
/// of the instance's project. `source` may be null (an image vmforge does
/// not know any more).
image_new snapshot_image(const instance& row, const request_context& ctx,
                         const std::string& name,
                         const std::map<std::string, std::string>& metadata,
                         const image* source);

/// The image an instance was built from as its snapshots record it:
/// image_base_image_ref if the instance has it, else its image_ref.
std::string base_image_ref(const instance& row);

} // namespace vmforge
