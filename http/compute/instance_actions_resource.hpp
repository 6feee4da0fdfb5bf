#pragma once

#include <string>

#include "http/compute/call.hpp"

namespace vmforge::http {

class compute_api;

/// GET /servers/{id}/os-instance-actions[/{request_id}].
void instance_actions(compute_api& api, const call_ptr& c,
                      const std::string& id);

} // namespace vmforge::http
