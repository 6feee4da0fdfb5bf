#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <libvirt/libvirt.h>

#include "config/options.hpp"
#include "drivers/libvirt/libvirt_driver.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/uuid.hpp"

namespace vmforge::test {

/// What a libvirt driver test runs in on libvirt's test:///default, a
/// hypervisor inside this process shared by every connection to it (so
/// each test uses hosts of its own names): a directory for instances_path
/// and an image file.
struct libvirt_workspace {
  temp_dir tmp;
  std::filesystem::path dir = tmp.path;
  image img = make_image(make_uuid(), "tiny", (dir / "tiny.qcow2").string());

  libvirt_workspace() {
    // The test hypervisor reads nothing from it; it only has to exist.
    std::ofstream{img.file} << "QFI\xfb";
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
    cfg.instances_path = (dir / "instances").string();
    return cfg;
  }

  spawn_spec spec(int64_t db_id) const {
    return {make_uuid(), instance_name(db_id), default_flavors()[0], img,
            "vm", "project"};
  }
};

} // namespace vmforge::test
