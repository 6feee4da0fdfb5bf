#pragma once

#include <string>

// The uuids Nova gives a service and a compute node (the ids from 2.53).
// Here they are name-based: a service is its binary on its host, a
// compute node its host, so each uuid is the same at every start, in
// every controller, with nothing to store.
namespace vmforge::http {

std::string service_uuid(const std::string& binary, const std::string& host);
std::string compute_node_uuid(const std::string& host);

} // namespace vmforge::http
