#include <catch2/catch.hpp>

#include "actors/api/image_checks.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

constexpr int64_t gib = int64_t{1} << 30;

image active(std::string id = "img-1") {
  image img = make_image(std::move(id), "cirros", "var/images/cirros.qcow2");
  img.size = 20 * 1024 * 1024;
  return img;
}

flavor tiny() {
  return flavor{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
}

std::string refusal(const image& img, const flavor& fl = tiny(),
                    bool admin = false,
                    const std::string& disk_config = "MANUAL") {
  auto err = image_checks{admin}.check(img, fl, disk_config);
  return err ? error_message(err) : "";
}

errc code_of(const image& img, const flavor& fl = tiny(), bool admin = false) {
  auto err = image_checks{admin}.check(img, fl);
  REQUIRE(err);
  return static_cast<errc>(err.code());
}

} // namespace

TEST_CASE("image_checks: an active qcow2 image that fits the flavor passes",
          "[image_checks]") {
  CHECK(refusal(active()).empty());
  auto raw = active();
  raw.disk_format = "raw";
  raw.min_ram_mb = 512; // equal is enough
  raw.min_disk_gb = 1;
  raw.size = gib;
  CHECK(refusal(raw).empty());
  // A queued image's unknown size is Nova's 0.
  auto unknown = active();
  unknown.size = -1;
  CHECK(refusal(unknown).empty());
}

TEST_CASE("image_checks: an image that is not active is ImageNotActive",
          "[image_checks]") {
  for (auto status : {"queued", "saving", "deactivated", "killed",
                      "uploading", "importing", "pending_delete"}) {
    auto img = active("abc");
    img.status = status;
    INFO(status);
    CHECK(code_of(img) == errc::image_not_active);
    CHECK(refusal(img) == "Image abc is not active.");
  }
}

TEST_CASE("image_checks: min_ram against the flavor's memory",
          "[image_checks]") {
  auto img = active();
  img.min_ram_mb = 513;
  CHECK(code_of(img) == errc::flavor_memory_too_small);
  CHECK(refusal(img) == "Flavor's memory is too small for requested image.");
  img.min_ram_mb = 100000;
  auto big = tiny();
  big.ram_mb = 100000;
  CHECK(refusal(img, big).empty());
}

TEST_CASE("image_checks: the image's size against the flavor's root disk, "
          "in bytes",
          "[image_checks]") {
  auto img = active();
  img.size = gib + 1;
  CHECK(code_of(img) == errc::flavor_disk_smaller_than_image);
  CHECK(refusal(img)
        == "Flavor's disk is too small for requested image. Flavor disk is "
           "1073741824 bytes, image is 1073741825 bytes.");
}

TEST_CASE("image_checks: min_disk against the flavor's root disk",
          "[image_checks]") {
  auto img = active();
  img.min_disk_gb = 2;
  CHECK(code_of(img) == errc::flavor_disk_smaller_than_min_disk);
  CHECK(refusal(img)
        == "Flavor's disk is smaller than the minimum size specified in "
           "image metadata. Flavor disk is 1073741824 bytes, minimum size "
           "is 2147483648 bytes.");
  // The image's size is checked first, as Nova does.
  img.size = 2 * gib;
  CHECK(code_of(img) == errc::flavor_disk_smaller_than_image);
}

TEST_CASE("image_checks: a zero-disk flavor is for volume-backed servers, "
          "unless policy (admin) allows it",
          "[image_checks]") {
  auto zero = tiny();
  zero.disk_gb = 0;
  auto img = active();
  img.min_disk_gb = 100; // not checked against a zero disk
  img.size = 100 * gib;
  CHECK(code_of(img, zero) == errc::zero_disk_flavor);
  CHECK(refusal(img, zero)
        == "Only volume-backed servers are allowed for flavors with zero "
           "disk.");
  CHECK(refusal(img, zero, true).empty());
}

TEST_CASE("image_checks: Nova's order: memory before disk, status before "
          "both",
          "[image_checks]") {
  auto img = active();
  img.min_ram_mb = 100000;
  img.min_disk_gb = 100;
  CHECK(code_of(img) == errc::flavor_memory_too_small);
  img.status = "queued";
  CHECK(code_of(img) == errc::image_not_active);
}

TEST_CASE("image_checks: img_config_drive must be optional or mandatory",
          "[image_checks]") {
  auto img = active();
  img.properties["img_config_drive"] = "mandatory";
  CHECK(refusal(img).empty());
  img.properties["img_config_drive"] = "always";
  CHECK(code_of(img) == errc::invalid_image_config_drive);
  CHECK(refusal(img) == "Image's config drive option 'always' is invalid");
}

TEST_CASE("image_checks: an image of an encrypted volume is not booted "
          "directly",
          "[image_checks]") {
  auto img = active("abc");
  img.properties["cinder_encryption_key_id"] = "key-1";
  CHECK(code_of(img) == errc::image_unacceptable);
  CHECK(refusal(img)
        == "Image abc is unacceptable: Direct booting of an image uploaded "
           "from an encrypted volume is unsupported.");
}

TEST_CASE("image_checks: auto_disk_config disabled refuses "
          "OS-DCF:diskConfig AUTO",
          "[image_checks]") {
  auto img = active("abc");
  img.properties["auto_disk_config"] = " Disabled ";
  CHECK(refusal(img).empty());
  CHECK(refusal(img, tiny(), false, "AUTO")
        == "Requested image abc has automatic disk resize disabled.");
  img.properties["auto_disk_config"] = "false";
  CHECK(refusal(img, tiny(), false, "AUTO").empty());
}

TEST_CASE("image_checks: the disk and container formats the driver boots",
          "[image_checks]") {
  for (auto fmt : {"qcow2", "raw", "ami"}) {
    auto img = active();
    img.disk_format = fmt;
    INFO(fmt);
    CHECK(refusal(img).empty());
  }
  for (auto fmt : {"vmdk", "vdi", "vhd", "vhdx", "iso", "ploop", "aki", "ari",
                   ""}) {
    auto img = active("abc");
    img.disk_format = fmt;
    INFO(fmt);
    CHECK(code_of(img) == errc::image_unacceptable);
    CHECK(refusal(img).rfind("Image abc is unacceptable: disk_format ", 0)
          == 0);
  }
  auto img = active("abc");
  img.disk_format = "vmdk";
  CHECK(refusal(img)
        == "Image abc is unacceptable: disk_format vmdk cannot be booted: "
           "vmforge boots qcow2, raw and ami images");
  img.disk_format = "qcow2";
  img.container_format = "ovf";
  CHECK(refusal(img)
        == "Image abc is unacceptable: container_format ovf cannot be "
           "booted: vmforge boots bare and ami containers");
  img.container_format = "ami";
  CHECK(refusal(img).empty());
  // The status comes first: a queued snapshot has no formats yet.
  img.status = "queued";
  img.disk_format.clear();
  img.container_format.clear();
  CHECK(code_of(img) == errc::image_not_active);
}

TEST_CASE("image_checks: hw_disk_bus, hw_vif_model, hw_firmware_type as "
          "Nova reads them, then what the libvirt driver honours",
          "[image_checks]") {
  auto img = active("abc");
  for (auto bus : {"virtio", "scsi", "ide", "sata"}) {
    img.properties["hw_disk_bus"] = bus;
    INFO(bus);
    CHECK(refusal(img).empty());
  }
  img.properties["hw_disk_bus"] = "usb"; // Nova's, not vmforge's
  CHECK(code_of(img) == errc::image_unacceptable);
  CHECK(refusal(img)
        == "Image abc is unacceptable: hw_disk_bus usb is not supported: "
           "vmforge's libvirt driver attaches disks on virtio, scsi, ide or "
           "sata");
  // Not one of Nova's: ImageMeta refuses it, an invalid request.
  img.properties["hw_disk_bus"] = "floppy";
  CHECK(code_of(img) == errc::invalid_input);
  CHECK(refusal(img)
        == "Invalid image metadata. Error: Field value floppy is invalid");
  img.properties.erase("hw_disk_bus");
  for (auto vif : {"virtio", "e1000", "E1000E", "VirtualE1000", "rtl8139"}) {
    img.properties["hw_vif_model"] = vif;
    INFO(vif);
    CHECK(refusal(img).empty());
  }
  img.properties["hw_vif_model"] = "netfront";
  CHECK(code_of(img) == errc::image_unacceptable);
  img.properties["hw_vif_model"] = "tulip";
  CHECK(refusal(img)
        == "Invalid image metadata. Error: Field value tulip is invalid");
  img.properties.erase("hw_vif_model");
  for (auto fw : {"bios", "uefi"}) {
    img.properties["hw_firmware_type"] = fw;
    CHECK(refusal(img).empty());
  }
  img.properties["hw_firmware_type"] = "coreboot";
  CHECK(refusal(img)
        == "Invalid image metadata. Error: Field value coreboot is invalid");
  // Invalid metadata comes before the status (Nova builds the ImageMeta
  // in _validate_and_build_base_options, before _validate_flavor_image).
  img.status = "queued";
  CHECK(code_of(img) == errc::invalid_input);
}

TEST_CASE("image_checks: hw_machine_type must be an x86_64 machine type",
          "[image_checks]") {
  auto img = active("abc");
  for (auto m : {"pc", "q35", "pc-q35-7.2", "pc-i440fx-2.11"}) {
    img.properties["hw_machine_type"] = m;
    INFO(m);
    CHECK(refusal(img).empty());
  }
  img.properties["hw_machine_type"] = "virt";
  CHECK(code_of(img) == errc::invalid_machine_type);
  CHECK(refusal(img)
        == "Machine type 'virt' is not compatible with image cirros (abc): "
           "vmforge's libvirt driver boots the x86_64 machine types pc, "
           "q35, pc-i440fx-* and pc-q35-*");
}

TEST_CASE("image_checks: kernel_id and ramdisk_id name the images booted "
          "by direct kernel",
          "[image_checks]") {
  auto img = active("abc");
  CHECK(image_checks::boot_files(img).empty());
  img.properties["kernel_id"] = "k-1";
  img.properties["ramdisk_id"] = "r-1";
  auto files = image_checks::boot_files(img);
  REQUIRE(files.size() == 2);
  CHECK(files[0].property == "kernel_id");
  CHECK(files[0].id == "k-1");
  CHECK(files[1].property == "ramdisk_id");
  CHECK(files[1].id == "r-1");
  // "nokernel" means neither; "none" and "" are no value.
  img.properties["kernel_id"] = "nokernel";
  CHECK(image_checks::boot_files(img).empty());
  img.properties["kernel_id"] = "None";
  img.properties["ramdisk_id"] = "";
  CHECK(image_checks::boot_files(img).empty());

  auto kernel = active("k-1");
  kernel.disk_format = "aki";
  kernel.container_format = "aki";
  boot_file k{"kernel_id", "k-1"};
  boot_file r{"ramdisk_id", "r-1"};
  CHECK_FALSE(image_checks::check_boot_file(img, k, kernel));
  auto err = image_checks::check_boot_file(img, r, kernel);
  CHECK(err == errc::image_unacceptable);
  CHECK(error_message(err)
        == "Image abc is unacceptable: ramdisk_id r-1 is an image of "
           "disk_format aki, not ari");
  kernel.status = "queued";
  CHECK(error_message(image_checks::check_boot_file(img, k, kernel))
        == "Image abc is unacceptable: kernel_id k-1 is not active");
}
