#include "drivers/libvirt/virt_type.hpp"

#include <filesystem>

namespace vmforge {

namespace {

// The loaded module that gives hardware KVM, or empty.
std::string hardware_kvm(const std::string& module_dir) {
  std::error_code ec;
  for (auto name : {"kvm_intel", "kvm_amd"})
    if (std::filesystem::is_directory(std::filesystem::path{module_dir} / name, ec))
      return name;
  return {};
}

} // namespace

virt_type_choice choose_virt_type(const std::string& configured,
                                  const std::string& module_dir) {
  if (configured == "qemu")
    return {"qemu", "configured: software emulation (TCG)"};
  auto module = hardware_kvm(module_dir);
  if (!module.empty())
    return {"kvm", (configured == "kvm" ? "configured; " : "")
                     + std::string{"hardware virtualization: "} + module
                     + " is loaded"};
  std::error_code ec;
  auto pvm = std::filesystem::is_directory(
    std::filesystem::path{module_dir} / "kvm_pvm", ec);
  auto missing = "neither kvm_intel nor kvm_amd is loaded in " + module_dir
                 + (pvm ? " (kvm_pvm is: /dev/kvm runs only PVM kernels)"
                        : "");
  if (configured == "kvm")
    return {{}, "virt_type = kvm, but " + missing
                  + "; set virt_type = auto or qemu"};
  return {"qemu", "auto: " + missing + ", so software emulation (TCG)"};
}

} // namespace vmforge
