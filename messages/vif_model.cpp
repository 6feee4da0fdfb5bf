#include "messages/vif_model.hpp"

#include <cctype>
#include <map>

namespace vmforge {

std::string vif_model_name(const std::string& hw_vif_model) {
  // nova/objects/fields.py VIFModel's legacy names.
  static const std::map<std::string, std::string> legacy{
    {"virtuale1000", "e1000"},
    {"virtuale1000e", "e1000e"},
    {"virtualpcnet32", "pcnet"},
    {"virtualsriovethernetcard", "sriov"},
    {"virtualvmxnet", "vmxnet"},
    {"virtualvmxnet3", "vmxnet3"}};
  auto v = hw_vif_model;
  for (auto& c : v)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto i = legacy.find(v);
  return i == legacy.end() ? v : i->second;
}

} // namespace vmforge
