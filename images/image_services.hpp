#pragma once

#include "config/options.hpp"
#include "images/image_service.hpp"

namespace vmforge::images {

/// The image service a process of vmforged uses: the embedded catalog of
/// `opts.images` (snapshots in instances_path/_snapshots), or a Glance v2
/// client when [glance] api_servers is set.
image_service_ptr make_image_service(const options& opts);

} // namespace vmforge::images
