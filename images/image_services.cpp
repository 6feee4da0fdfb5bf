#include "images/image_services.hpp"

#include "images/catalog_image_service.hpp"

namespace vmforge::images {

image_service_ptr make_image_service(const options& opts) {
  return std::make_shared<catalog_image_service>(
    opts.images, opts.instances_path + "/_snapshots");
}

} // namespace vmforge::images
