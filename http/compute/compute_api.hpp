#pragma once

#include <caf/fwd.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/image/image_actor.hpp"
#include "http/compute/auth.hpp"
#include "http/compute/call.hpp"
#include "http/server.hpp"

namespace vmforge::http {

struct api_options {
  auth_strategy auth = auth_strategy::noauth2;
  /// Null: answers are not counted.
  metrics::api_metrics* metrics = nullptr;
};

/// The Compute API v2.1 over HTTP: version documents, authentication,
/// microversions, request ids, routing to the resources. Resources turn a
/// request into a message to the API handler actor (or, for images, the
/// image actor) and its answer into Nova's JSON; nothing here blocks.
/// Beside /v2.1, a read-only Glance-v2-shaped image endpoint (/versions,
/// /v2/images, /v2/images/{id}) on the same port, for clients that look
/// images up in the image service (docs/images.md).
class compute_api {
public:
  compute_api(caf::actor_system& sys, api_actor api, image_actor images,
              api_options opts);

  /// The server's handler.
  void handle(request&& req, responder done);

  /// Nova's fault body for the server's own errors (413, 400, 503).
  static response render_error(unsigned status, const std::string& message);

  caf::actor_system& system() const {
    return sys_;
  }
  const api_actor& api() const {
    return api_;
  }
  const image_actor& images() const {
    return images_;
  }

private:
  void route(const call_ptr& c);
  /// Authenticates the caller; false if it answered 401.
  bool authenticate_call(const call_ptr& c);

  caf::actor_system& sys_;
  api_actor api_;
  image_actor images_;
  api_options opts_;
};

// The resources, each given a call whose path starts with its collection.
void route_servers(compute_api& api, const call_ptr& c);
void route_flavors(compute_api& api, const call_ptr& c);
/// /flavors/{id}/os-extra_specs[/{key}].
void route_flavor_extra_specs(compute_api& api, const call_ptr& c);
/// /flavors/{id}/os-flavor-access and /flavors/{id}/action.
void route_flavor_access(compute_api& api, const call_ptr& c);
void route_aggregates(compute_api& api, const call_ptr& c);
void route_availability_zones(compute_api& api, const call_ptr& c);
void route_images(compute_api& api, const call_ptr& c);
/// The Glance-shaped endpoint: the path after /v2 (images[/{id}]).
void route_glance_images(compute_api& api, const call_ptr& c);
void route_limits(compute_api& api, const call_ptr& c);
void route_quota_sets(compute_api& api, const call_ptr& c);
void route_quota_class_sets(compute_api& api, const call_ptr& c);
void route_hypervisors(compute_api& api, const call_ptr& c);
void route_keypairs(compute_api& api, const call_ptr& c);
void route_services(compute_api& api, const call_ptr& c);
void route_tenant_usage(compute_api& api, const call_ptr& c);
void route_extensions(compute_api& api, const call_ptr& c);
void route_hosts(compute_api& api, const call_ptr& c);
void route_usage_audit_log(compute_api& api, const call_ptr& c);
void route_server_external_events(compute_api& api, const call_ptr& c);
/// The APIs Nova removed: 410 Gone.
void route_removed(compute_api& api, const call_ptr& c);
void route_security_groups(compute_api& api, const call_ptr& c);
void route_security_group_rules(compute_api& api, const call_ptr& c);
void route_networks(compute_api& api, const call_ptr& c);
void route_server_groups(compute_api& api, const call_ptr& c);
/// Answers {"server": server}, from 2.71 with the server groups the
/// server is in (Nova's server_groups, asked of the API handler).
void reply_server(compute_api& api, const call_ptr& c,
                  boost::json::object server);
/// GET /v2.0/networks[/{id}] (beside /v2.1): Neutron-shaped, read-only.
void route_neutron_networks(compute_api& api, const call_ptr& c);
/// GET /servers/{id}/ips[/{label}].
void server_ips(compute_api& api, const call_ptr& c, const std::string& id);
void server_tags_resource(compute_api& api, const call_ptr& c,
                          const std::string& id);
/// GET /servers/{id}/os-security-groups.
void server_security_groups(compute_api& api, const call_ptr& c,
                            const std::string& id);
/// The addSecurityGroup (`add`) or removeSecurityGroup action's argument.
void server_security_group_action(compute_api& api, const call_ptr& c,
                                  const std::string& id, bool add,
                                  const boost::json::value& arg);
/// /servers/{id}/os-interface[/{port_id}].
void server_interfaces(compute_api& api, const call_ptr& c,
                       const std::string& id);
/// The os-resetState action's argument (Nova's reset_server_state schema).
void server_reset_state(compute_api& api, const call_ptr& c,
                        const std::string& id, const boost::json::value& arg);
/// GET and DELETE /servers/{id}/os-server-password.
void server_password_resource(compute_api& api, const call_ptr& c,
                              const std::string& id);

} // namespace vmforge::http
