#include "actors/api/image_checks.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "messages/errors.hpp"
#include "messages/vif_model.hpp"

namespace vmforge {

namespace {

constexpr int64_t gib = int64_t{1} << 30;

const std::string* property(const image& img, const char* key) {
  auto i = img.properties.find(key);
  return i == img.properties.end() ? nullptr : &i->second;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Nova's enums of the properties vmforge reads (nova/objects/fields.py
// DiskBus, FirmwareType, VIFModel with nova/network/model.py's
// VIF_MODEL_ALL; igb is allowed since ImageMetaProps 1.39).
const std::set<std::string> nova_disk_buses{
  "fdc", "ide", "sata", "scsi", "usb", "virtio", "xen", "lxc", "uml"};
const std::set<std::string> nova_firmware_types{"uefi", "bios"};
const std::set<std::string> nova_vif_models{
  "virtio",  "ne2k_pci",   "pcnet",   "rtl8139", "e1000",  "e1000e", "netfront",
  "spapr-vlan", "lan9118", "igb",     "sriov",   "vmxnet", "vmxnet3"};
// What vmforge's libvirt driver gives an x86_64 guest under kvm or qemu
// (Nova's libvirt SUPPORTED_VIF_MODELS for both, without the non-x86
// spapr-vlan and lan9118).
const std::set<std::string> vmforge_disk_buses{"virtio", "scsi", "ide", "sata"};
const std::set<std::string> vmforge_vif_models{
  "virtio", "e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet", "vmxnet3",
  "igb"};
const std::set<std::string> vmforge_disk_formats{"qcow2", "raw", "ami"};
const std::set<std::string> vmforge_container_formats{"bare", "ami"};

// Nova's _get_image_meta_obj: a value its ImageMeta refuses is an
// InvalidRequest with oslo.versionedobjects' Enum message.
caf::error invalid_metadata(const std::string& value) {
  return nova_error(errc::invalid_input,
                    "Invalid image metadata. Error: Field value " + value
                      + " is invalid");
}

caf::error unacceptable(const image& img, const std::string& reason) {
  return nova_error(errc::image_unacceptable, img.id, reason);
}

caf::error check_metadata(const image& img) {
  if (auto bus = property(img, "hw_disk_bus");
      bus && nova_disk_buses.count(*bus) == 0)
    return invalid_metadata(*bus);
  if (auto fw = property(img, "hw_firmware_type");
      fw && nova_firmware_types.count(*fw) == 0)
    return invalid_metadata(*fw);
  if (auto vif = property(img, "hw_vif_model");
      vif && nova_vif_models.count(vif_model_name(*vif)) == 0)
    return invalid_metadata(vif_model_name(*vif));
  return caf::none;
}

bool bootable_machine_type(const std::string& m) {
  return m == "pc" || m == "q35" || starts_with(m, "pc-i440fx-")
         || starts_with(m, "pc-q35-");
}

// vmforge's own additions, all ImageUnacceptable but the machine type.
caf::error check_bootable(const image& img) {
  if (vmforge_disk_formats.count(img.disk_format) == 0)
    return unacceptable(img, "disk_format "
                               + (img.disk_format.empty() ? std::string{"(none)"}
                                                          : img.disk_format)
                               + " cannot be booted: vmforge boots qcow2, "
                                 "raw and ami images");
  if (vmforge_container_formats.count(img.container_format) == 0)
    return unacceptable(img, "container_format "
                               + (img.container_format.empty()
                                    ? std::string{"(none)"}
                                    : img.container_format)
                               + " cannot be booted: vmforge boots bare and "
                                 "ami containers");
  if (auto bus = property(img, "hw_disk_bus");
      bus && vmforge_disk_buses.count(*bus) == 0)
    return unacceptable(img, "hw_disk_bus " + *bus
                               + " is not supported: vmforge's libvirt "
                                 "driver attaches disks on virtio, scsi, ide "
                                 "or sata");
  if (auto vif = property(img, "hw_vif_model");
      vif && vmforge_vif_models.count(vif_model_name(*vif)) == 0)
    return unacceptable(img, "hw_vif_model " + vif_model_name(*vif)
                               + " is not supported: vmforge's libvirt "
                                 "driver offers virtio, e1000, e1000e, "
                                 "rtl8139, ne2k_pci, pcnet, vmxnet3 and igb");
  if (auto m = property(img, "hw_machine_type");
      m && !bootable_machine_type(*m))
    return nova_error(errc::invalid_machine_type, *m, img.name, img.id,
                      "vmforge's libvirt driver boots the x86_64 machine "
                      "types pc, q35, pc-i440fx-* and pc-q35-*");
  return caf::none;
}

} // namespace

caf::error image_checks::check(const image& img, const flavor& fl,
                               const std::string& disk_config) const {
  // _check_auto_disk_config.
  if (auto adc = property(img, "auto_disk_config");
      adc && disk_config == "AUTO" && lower(trim(*adc)) == "disabled")
    return nova_error(errc::auto_disk_config_disabled, img.id);
  // _validate_and_build_base_options reads the properties into an
  // ImageMeta before the checks of _checks_for_create_and_rebuild.
  if (auto err = check_metadata(img))
    return err;
  // _detect_nonbootable_image_from_properties.
  if (auto key = property(img, "cinder_encryption_key_id"); key && !key->empty())
    return unacceptable(img, "Direct booting of an image uploaded from an "
                             "encrypted volume is unsupported.");
  // _validate_flavor_image.
  if (img.status != "active")
    return nova_error(errc::image_not_active, img.id);
  // _validate_flavor_image_nostatus.
  if (auto cd = property(img, "img_config_drive");
      cd && *cd != "optional" && *cd != "mandatory")
    return nova_error(errc::invalid_image_config_drive, *cd);
  if (fl.ram_mb < img.min_ram_mb)
    return nova_error(errc::flavor_memory_too_small);
  auto min_disk = img.min_disk_gb * gib;
  auto size = std::max<int64_t>(img.size, 0); // Nova: int(size or 0)
  // The root disk is local: its size is the flavor's. 0 means "do not
  // check" for legacy reasons, and only volume-backed servers may use it
  // unless policy allows.
  auto dest = fl.disk_gb * gib;
  if (dest != 0) {
    if (size > dest)
      return nova_error(errc::flavor_disk_smaller_than_image, dest, size);
    if (min_disk > dest)
      return nova_error(errc::flavor_disk_smaller_than_min_disk, dest,
                        min_disk);
  } else if (!zero_disk_allowed_) {
    return nova_error(errc::zero_disk_flavor);
  }
  return check_bootable(img);
}

std::vector<boot_file> image_checks::boot_files(const image& img) {
  std::vector<boot_file> out;
  auto named = [&](const char* key) {
    auto v = property(img, key);
    // Nova drops kernel_id/ramdisk_id of "none" or "" (_convert_to_v2).
    if (v == nullptr || trim(*v).empty() || lower(trim(*v)) == "none")
      return std::string{};
    return *v;
  };
  auto kernel = named("kernel_id");
  if (kernel == "nokernel")
    return out;
  if (!kernel.empty())
    out.push_back({"kernel_id", kernel});
  if (auto ramdisk = named("ramdisk_id"); !ramdisk.empty())
    out.push_back({"ramdisk_id", ramdisk});
  return out;
}

caf::error image_checks::check_boot_file(const image& img,
                                         const boot_file& which,
                                         const image& file) {
  auto want = which.property == "kernel_id" ? "aki" : "ari";
  if (file.status != "active")
    return unacceptable(img, which.property + " " + which.id
                               + " is not active");
  if (file.disk_format != want)
    return unacceptable(img, which.property + " " + which.id
                               + " is an image of disk_format "
                               + (file.disk_format.empty()
                                    ? std::string{"(none)"}
                                    : file.disk_format)
                               + ", not " + want);
  return caf::none;
}

} // namespace vmforge
