#pragma once

#include "config/options.hpp"
#include "images/glance_image_service.hpp"
#include "images/image_service.hpp"

namespace vmforge::images {

/// The image service a process of vmforged uses: a Glance v2 client when
/// [glance] api_servers is set (telling `observer` of each of its HTTP
/// requests), else the embedded catalog of `opts.images` (snapshots in
/// instances_path/_snapshots).
image_service_ptr make_image_service(const options& opts,
                                     request_observer observer = {});

} // namespace vmforge::images
