#pragma once

#include <string>

#include <boost/json/value.hpp>

#include "actors/api/api_actor.hpp"
#include "http/compute/microversion.hpp"
#include "messages/instance.hpp"

// Nova's JSON views (nova/api/openstack/compute/views/) and fault bodies.
namespace vmforge::http {

/// Where links point: the request's scheme://host, and the project segment
/// if the request URL carried one.
struct link_base {
  std::string root;       // e.g. http://127.0.0.1:8774
  std::string project_id; // empty if the URL had none

  /// {root}/v2.1[/{project}]/{collection}/{id}
  std::string self(const std::string& collection, const std::string& id) const;
  /// {root}[/{project}]/{collection}/{id}
  std::string bookmark(const std::string& collection,
                       const std::string& id) const;
  boost::json::array links(const std::string& collection,
                           const std::string& id) const;
};

/// {"<name>": {"code": status, "message": message}} with Nova's names.
boost::json::object fault_body(unsigned status, const std::string& message);

/// "2026-11-25T16:27:13Z"
std::string iso8601(int64_t us);
/// "2026-11-25T16:27:13.000000" (Nova's launched_at / terminated_at form)
std::string iso8601_micro(int64_t us);
/// Parses an ISO 8601 time (changes-since); false if it is not one.
bool parse_iso8601(const std::string& text, int64_t& us);

/// sha224(project_id + host) in hex, "" without a host (Nova's hostId).
std::string host_id(const std::string& project_id, const std::string& host);

/// The API's `status`, derived as nova/api/openstack/common.py does.
std::string derive_status(vm_state vm, task_state task);

boost::json::object server_brief(const instance& row, const link_base& base);
/// `extended` adds what Nova's show adds beyond PUT's answer: the
/// OS-EXT-* and OS-SRV-USG attributes, key, security groups, volumes.
boost::json::object server_detail(const instance& row, const link_base& base,
                                  const request_context& ctx,
                                  api_version version, bool extended = true);

/// 2.47's flavor of a server: the instance's copy of it, by value.
boost::json::object embedded_flavor(const flavor& f);
/// 2.98's image.properties: what the create kept of the image's.
boost::json::object image_properties_view(const instance& row);

/// A server's `addresses` (Nova's views/addresses.py): by network label,
/// each fixed address with its version and, `extended`, its type and MAC.
boost::json::object addresses_view(const std::vector<vif>& vifs,
                                   bool extended);

/// os-networks' network_dict, as Nova's proxy shows it; an admin also sees
/// the bridge and the nova-network fields vmforge has no value for (null).
boost::json::object network_view(const network& net, bool admin);

/// A network as Neutron's v2.0 API shows it, for clients that look a
/// network up there (openstack server create --nic net-id=).
boost::json::object neutron_network_view(const network& net);

/// The uuid vmforge gives a network's one subnet (it has no subnet
/// resource): the same at every call.
std::string subnet_id_of(const network& net);

/// One entry of os-interface's interfaceAttachments (Nova's
/// _translate_interface_attachment_view); `tagged` adds `tag` (2.70).
boost::json::object interface_view(const vif& v, bool tagged);

/// Nova's flavor views: description from 2.55, extra_specs from 2.61.
boost::json::object flavor_brief(const flavor& f, const link_base& base,
                                 api_version version);
boost::json::object flavor_detail(const flavor& f, const link_base& base,
                                  api_version version);

/// Nova's image proxy views (views/images.py): basic and show.
boost::json::object image_brief(const image& i, const link_base& base);
boost::json::object image_detail(const image& i, const link_base& base);
/// Nova's image status for Glance's (active ACTIVE, queued and saving
/// SAVING, deleted and pending_delete DELETED, killed ERROR, else UNKNOWN).
std::string image_status(const std::string& glance_status);
/// The image as Glance v2 answers GET /v2/images/{id}.
boost::json::object glance_image(const image& i);
/// Glance's GET /versions document, linking {root}/v2/.
boost::json::object glance_versions(const std::string& root);

/// The version documents of GET / and GET /v2.1.
boost::json::object version_v21(const std::string& root);
boost::json::object versions(const std::string& root);

} // namespace vmforge::http
