#include "images/image_services.hpp"

#include "images/catalog_image_service.hpp"
#include "util/log.hpp"

namespace vmforge::images {

image_service_ptr make_image_service(const options& opts,
                                     request_observer observer) {
  if (opts.glance.enabled()) {
    std::string servers;
    for (auto& s : opts.glance.api_servers)
      servers += (servers.empty() ? "" : ", ") + s;
    log::info("images", "images from Glance at ", servers,
              opts.glance.service_user()
                ? " (service user " + opts.glance.username + ")"
                : std::string{});
    return std::make_shared<glance_image_service>(opts.glance,
                                                  std::move(observer));
  }
  return std::make_shared<catalog_image_service>(
    opts.images, opts.instances_path + "/_snapshots");
}

} // namespace vmforge::images
