#pragma once

#include <string>

// Which domain type ([libvirt] virt_type) a host's guests get. /dev/kvm is
// not enough: on PVM hosts (module kvm_pvm) it exists, but runs only
// kernels built for PVM, and an ordinary guest spins in its boot code. Only
// hardware virtualization (module kvm_intel or kvm_amd loaded) is kvm.
namespace vmforge {

struct virt_type_choice {
  /// kvm or qemu; empty when the configured type cannot work here.
  std::string type;
  /// Why, for the start's log line (or its refusal).
  std::string why;
};

/// `configured` is auto, kvm or qemu; `module_dir` is where the kernel
/// lists its loaded modules (/sys/module). An explicit kvm without
/// hardware virtualization is refused: the operator asked for speed that
/// this machine cannot give, and silent emulation is ten times slower.
virt_type_choice choose_virt_type(const std::string& configured,
                                  const std::string& module_dir = "/sys/module");

} // namespace vmforge
