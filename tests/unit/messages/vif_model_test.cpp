#include <catch2/catch.hpp>

#include "messages/vif_model.hpp"

using namespace vmforge;

TEST_CASE("hw_vif_model is read as Nova's VIFModel", "[vif_model]") {
  CHECK(vif_model_name("virtio") == "virtio");
  CHECK(vif_model_name("E1000") == "e1000");
  CHECK(vif_model_name("VirtualE1000") == "e1000");
  CHECK(vif_model_name("VirtualPCNet32") == "pcnet");
  CHECK(vif_model_name("VirtualVmxnet3") == "vmxnet3");
}
