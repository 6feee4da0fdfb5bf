#pragma once

#include <string>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "http/compute/microversion.hpp"
#include "messages/server_group.hpp"

// os-server-groups' request schemas and view (Nova's
// schemas/server_groups.py and _format_server_group).
namespace vmforge::http {

/// Validates a POST /os-server-groups body (create: `policies` before 2.15
/// affinity or anti-affinity, from 2.15 the soft ones too; create_v264:
/// `policy` and `rules`), in jsonschema's order: the properties, then what
/// is required, then what is not allowed. Fills name, policy and
/// max_server_per_host; on failure returns false with Nova's 400 message.
bool parse_server_group(const boost::json::value& body, api_version version,
                        server_group& out, std::string& error);

/// A group as `version` shows it: `policies` and an empty `metadata`
/// before 2.64, `policy` and `rules` from it; `project_id` and `user_id`
/// from 2.13.
boost::json::object server_group_view(const server_group& g,
                                      api_version version);

} // namespace vmforge::http
