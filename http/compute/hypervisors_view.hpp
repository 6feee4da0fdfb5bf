#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "actors/api/api_actor.hpp"
#include "http/compute/microversion.hpp"

// Nova's hypervisor view (nova/api/openstack/compute/hypervisors.py
// _view_hypervisor) at each microversion.
namespace vmforge::http {

struct hypervisor_shown {
  /// The detail view (detail list, show) rather than the brief one.
  bool detail = false;
  /// 2.53's with_servers=true: the servers, [] for none from 2.75.
  bool with_servers = false;
  /// The host's uptime, shown in the detail view from 2.88.
  std::string uptime;
};

/// Integer ids before 2.53, the compute node's and its service's uuids
/// from it; from 2.88 the detail view has no resource fields or cpu_info,
/// and has `uptime`.
boost::json::object hypervisor_view(api_version v, const hypervisor_info& h,
                                    const hypervisor_shown& shown);

} // namespace vmforge::http
