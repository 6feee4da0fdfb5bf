#pragma once

#include <cstdlib>
#include <string>

#include <libvirt/libvirt.h>

namespace vmforge::test {

/// A libvirt network's XML as libvirt describes it now (empty: none).
inline std::string described_network(virConnectPtr conn, const std::string& name) {
  auto n = virNetworkLookupByName(conn, name.c_str());
  if (!n)
    return {};
  auto c = virNetworkGetXMLDesc(n, 0);
  std::string out = c ? c : "";
  free(c);
  virNetworkFree(n);
  return out;
}

/// Stops and undefines a network a test made, if it is there.
inline void remove_network(virConnectPtr conn, const std::string& name) {
  if (auto n = virNetworkLookupByName(conn, name.c_str())) {
    virNetworkDestroy(n);
    virNetworkUndefine(n);
    virNetworkFree(n);
  }
}

} // namespace vmforge::test
