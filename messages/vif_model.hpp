#pragma once

#include <string>

namespace vmforge {

/// An image's hw_vif_model as Nova's VIFModel.coerce reads it: in lower
/// case, the legacy VMware names (VirtualE1000, ...) as the models they
/// mean. Shared by the API's image checks and the libvirt driver.
std::string vif_model_name(const std::string& hw_vif_model);

} // namespace vmforge
