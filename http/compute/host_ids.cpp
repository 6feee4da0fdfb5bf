#include "http/compute/host_ids.hpp"

#include "util/uuid.hpp"

namespace vmforge::http {

namespace {

// Namespaces of their own, so a service and the compute node on the same
// host never share a uuid.
const std::string services_ns = "6c1f4f7e-2f0b-5e61-9d0a-5b1f3c2e8a41";
const std::string compute_nodes_ns = "b0d3a9a2-7c44-5b8e-8f1d-2e6a4c9b7d13";

} // namespace

std::string service_uuid(const std::string& binary, const std::string& host) {
  return make_name_uuid(services_ns, binary + "@" + host);
}

std::string compute_node_uuid(const std::string& host) {
  return make_name_uuid(compute_nodes_ns, host);
}

} // namespace vmforge::http
