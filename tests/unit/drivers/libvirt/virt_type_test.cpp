#include <catch2/catch.hpp>

#include <filesystem>

#include "drivers/libvirt/virt_type.hpp"
#include "tests/support/temp_dir.hpp"

using namespace vmforge;

namespace {

// A /sys/module with the named modules loaded.
struct modules {
  test::temp_dir dir;
  explicit modules(std::initializer_list<const char*> loaded) {
    for (auto m : loaded)
      std::filesystem::create_directories(dir.path / m);
  }
  std::string path() const {
    return dir.path.string();
  }
};

} // namespace

TEST_CASE("virt_type auto is kvm only with hardware virtualization",
          "[virt_type]") {
  modules intel{"kvm", "kvm_intel"};
  auto c = choose_virt_type("auto", intel.path());
  CHECK(c.type == "kvm");
  CHECK(c.why == "hardware virtualization: kvm_intel is loaded");
  modules amd{"kvm", "kvm_amd"};
  CHECK(choose_virt_type("auto", amd.path()).type == "kvm");
  // /dev/kvm from PVM runs only PVM kernels: emulation it is.
  modules pvm{"kvm", "kvm_pvm"};
  c = choose_virt_type("auto", pvm.path());
  CHECK(c.type == "qemu");
  CHECK(c.why == "auto: neither kvm_intel nor kvm_amd is loaded in "
                   + pvm.path()
                   + " (kvm_pvm is: /dev/kvm runs only PVM kernels), so "
                     "software emulation (TCG)");
  modules none{};
  CHECK(choose_virt_type("auto", none.path()).type == "qemu");
  CHECK(choose_virt_type("auto", none.path() + "/missing").type == "qemu");
}

TEST_CASE("virt_type kvm is refused where it cannot work, qemu is always "
          "taken", "[virt_type]") {
  modules pvm{"kvm", "kvm_pvm"};
  auto c = choose_virt_type("kvm", pvm.path());
  CHECK(c.type.empty());
  CHECK_THAT(c.why, Catch::StartsWith("virt_type = kvm, but neither kvm_intel "
                                      "nor kvm_amd is loaded"));
  CHECK_THAT(c.why, Catch::EndsWith("; set virt_type = auto or qemu"));
  modules intel{"kvm", "kvm_intel"};
  CHECK(choose_virt_type("kvm", intel.path()).type == "kvm");
  CHECK(choose_virt_type("qemu", intel.path()).type == "qemu");
  CHECK(choose_virt_type("qemu", pvm.path()).why
        == "configured: software emulation (TCG)");
}
