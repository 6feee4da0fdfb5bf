#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "messages/image.hpp"
#include "messages/instance.hpp"

// What POST /servers checks of the image a server boots, on the record the
// image service answered (docs/images.md section 3): Nova's
// _validate_flavor_image and what comes with it in nova/compute/api.py,
// then what vmforge's libvirt driver can boot. No I/O: the records come in
// by message.
namespace vmforge {

/// An image a server boots by direct kernel: the property of the server's
/// image that names it (kernel_id, ramdisk_id) and its id.
struct boot_file {
  std::string property;
  std::string id;
};

class image_checks {
public:
  /// `zero_disk_allowed`: whether the caller passes Nova's
  /// os_compute_api:servers:create:zero_disk_flavor (admin only, Nova's
  /// default).
  explicit image_checks(bool zero_disk_allowed = false)
    : zero_disk_allowed_(zero_disk_allowed) {
  }

  /// Whether `img` boots a server of flavor `fl` asked with
  /// OS-DCF:diskConfig `disk_config`; none if it does. In Nova's order:
  /// the auto_disk_config property, the image's properties as Nova's
  /// ImageMeta reads them ("Invalid image metadata"), an image of an
  /// encrypted volume, the status, img_config_drive, min_ram, the root
  /// disk (size, min_disk, a zero-disk flavor); then vmforge's own: the
  /// disk and container formats and the hw_* properties its libvirt
  /// driver honours.
  caf::error check(const image& img, const flavor& fl,
                   const std::string& disk_config = "MANUAL") const;

  /// The images `img` boots with (kernel_id, then ramdisk_id; none for
  /// kernel_id "nokernel"), which the API looks up before the rows are
  /// made, as Nova's _handle_kernel_and_ramdisk does.
  static std::vector<boot_file> boot_files(const image& img);

  /// Whether `file`, the image `which` names, can serve `img`: an active
  /// aki for kernel_id, an active ari for ramdisk_id.
  static caf::error check_boot_file(const image& img, const boot_file& which,
                                    const image& file);

private:
  bool zero_disk_allowed_;
};

} // namespace vmforge
