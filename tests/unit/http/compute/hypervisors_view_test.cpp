#include <catch2/catch.hpp>

#include "http/compute/host_ids.hpp"
#include "http/compute/hypervisors_view.hpp"

using namespace vmforge;
using namespace vmforge::http;

namespace {

hypervisor_info sample(bool with_server = true) {
  hypervisor_info h;
  h.id = 2;
  h.host = "compute-2";
  h.type = "fake";
  h.capacity = resources{8, 4096, 100};
  h.used = resources{1, 512, 1};
  if (with_server)
    h.servers = {{"s-1", "vm"}};
  return h;
}

} // namespace

TEST_CASE("hypervisor ids are integers before 2.53 and uuids from it",
          "[http][hypervisors]") {
  auto old = hypervisor_view({2, 52}, sample(), {true, false, {}});
  CHECK(old.at("id") == 2);
  CHECK(old.at("service").as_object().at("id") == 2);
  auto v253 = hypervisor_view({2, 53}, sample(), {true, false, {}});
  CHECK(v253.at("id") == compute_node_uuid("compute-2").c_str());
  CHECK(v253.at("service").as_object().at("id")
        == service_uuid("nova-compute", "compute-2").c_str());
}

TEST_CASE("with_servers lists a host's servers, [] for none from 2.75",
          "[http][hypervisors]") {
  auto listed = hypervisor_view({2, 53}, sample(), {false, true, {}});
  CHECK(listed.at("servers").as_array().size() == 1);
  CHECK_FALSE(hypervisor_view({2, 53}, sample(), {}).contains("servers"));
  CHECK_FALSE(
    hypervisor_view({2, 74}, sample(false), {false, true, {}})
      .contains("servers"));
  CHECK(hypervisor_view({2, 75}, sample(false), {false, true, {}})
          .at("servers")
          .as_array()
          .empty());
}

TEST_CASE("from 2.88 the detail view drops the resource fields and shows "
          "uptime",
          "[http][hypervisors]") {
  auto v287 = hypervisor_view({2, 87}, sample(), {true, false, " up"});
  CHECK(v287.at("free_disk_gb") == 99);
  CHECK(v287.contains("cpu_info"));
  CHECK_FALSE(v287.contains("uptime"));
  auto v288 = hypervisor_view({2, 88}, sample(), {true, false, " up"});
  for (auto gone : {"vcpus", "memory_mb", "local_gb", "vcpus_used",
                    "memory_mb_used", "local_gb_used", "free_ram_mb",
                    "free_disk_gb", "current_workload", "running_vms",
                    "disk_available_least", "cpu_info"})
    CHECK_FALSE(v288.contains(gone));
  CHECK(v288.at("uptime") == " up");
  CHECK(v288.at("hypervisor_type") == "fake");
  CHECK_FALSE(hypervisor_view({2, 88}, sample(), {}).contains("uptime"));
}
