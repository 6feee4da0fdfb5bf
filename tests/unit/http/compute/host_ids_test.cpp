#include <catch2/catch.hpp>

#include "http/compute/host_ids.hpp"
#include "util/uuid.hpp"

using namespace vmforge;
using namespace vmforge::http;

TEST_CASE("services and compute nodes have uuids of their own, the same "
          "at every start",
          "[http][host_ids]") {
  auto s = service_uuid("nova-compute", "compute-1");
  CHECK(is_uuid(s));
  CHECK(s == service_uuid("nova-compute", "compute-1"));
  CHECK(s != service_uuid("nova-compute", "compute-2"));
  CHECK(s != service_uuid("nova-scheduler", "compute-1"));
  CHECK(is_uuid(compute_node_uuid("compute-1")));
  CHECK(compute_node_uuid("compute-1") == compute_node_uuid("compute-1"));
  CHECK(compute_node_uuid("compute-1") != s);
}
