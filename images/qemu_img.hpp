#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

// qemu-img as Nova's nova/virt/images.py runs it: what a downloaded image
// really is (`qemu-img info`), and its conversion. Every call runs a child
// process and waits for it: callers run them on threads of their own.
namespace vmforge::images {

/// What `qemu-img info --output=json` says of a file.
struct disk_info {
  /// The format qemu-img probed (qcow2, raw, vmdk, vdi...).
  std::string format;
  int64_t virtual_size = 0;
  /// The backing file it names (empty: none).
  std::string backing_file;
  /// qcow2's external data file (empty: none).
  std::string data_file;
};

/// qemu-img failed; what() has its message. `ran`: it ran and refused
/// the file (Nova's InvalidDiskInfo); otherwise it could not be run at
/// all (not installed, no process), a problem of the host.
class qemu_img_error : public std::runtime_error {
public:
  qemu_img_error(const std::string& what, bool ran)
    : std::runtime_error(what), ran_(ran) {
  }

  bool ran() const noexcept {
    return ran_;
  }

private:
  bool ran_;
};

/// `qemu-img info --output=json PATH`, probing the format as Nova's
/// qemu_img_info does (under the same limits: 1 GiB of address space and
/// 30 s of CPU, so that a crafted header cannot exhaust the host).
disk_info qemu_img_info(const std::string& path);

/// `qemu-img convert -f FROM -O TO SRC DST`.
void qemu_img_convert(const std::string& src, const std::string& from,
                      const std::string& dst, const std::string& to);

/// The format qemu-img reports for data Glance describes as `disk_format`:
/// ami, aki, ari and iso images are raw bytes; every other name is the
/// format itself.
std::string probed_format_of(const std::string& disk_format);

/// The format a base file of `disk_format` is kept in: raw and qcow2 as
/// downloaded (raw for ami, aki, ari and iso), every other format
/// converted to qcow2 (vmforge's force_raw_images = false).
std::string base_format_of(const std::string& disk_format);

} // namespace vmforge::images
