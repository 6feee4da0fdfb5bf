#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <libvirt/libvirt.h>

#include "config/options.hpp"
#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/support/disk_images.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/uuid.hpp"

namespace vmforge::test {

/// What a libvirt driver test runs in on libvirt's test:///default, a
/// hypervisor inside this process shared by every connection to it (so
/// each test uses hosts of its own names): a directory for instances_path
/// and an image file, a real (blank) qcow2 disk: the image cache checks it
/// with qemu-img before any instance's disk is made on it.
struct libvirt_workspace {
  temp_dir tmp;
  std::filesystem::path dir = tmp.path;
  image img = make_image(make_uuid(), "tiny", (dir / "tiny.qcow2").string());

  libvirt_workspace() {
    qemu_img_create(img.file, "qcow2", "64M");
  }

  // The disk pool is the process's (test:///default is); the next test's
  // instances_path is another directory.
  ~libvirt_workspace() {
    auto conn = virConnectOpen("test:///default");
    if (auto pool = virStoragePoolLookupByName(conn, "vmforge-instances")) {
      virStoragePoolDestroy(pool);
      virStoragePoolFree(pool);
    }
    virConnectClose(conn);
  }

  libvirt_settings settings(std::string host,
                            std::string uri = "test:///default") const {
    libvirt_settings cfg;
    cfg.host = std::move(host);
    cfg.uri = std::move(uri);
    cfg.instances_path = instances_path();
    return cfg;
  }

  std::string instances_path() const {
    return (dir / "instances").string();
  }

  /// A spawn on the workspace's image file as its base (the driver alone,
  /// without an image cache).
  spawn_spec spec(int64_t db_id) const {
    return {make_uuid(), instance_name(db_id), default_flavors()[0],
            img,         "vm",                 "project",
            img.file,    "qcow2",              {},
            {},          {}};
  }
};

} // namespace vmforge::test
