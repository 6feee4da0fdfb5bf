#include "http/compute/compute_api.hpp"

#include <map>

#include <boost/json/serialize.hpp>

#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size()
               && std::isxdigit(static_cast<unsigned char>(s[i + 1]))
               && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos)
      next = path.size();
    if (next > pos)
      out.push_back(url_decode(path.substr(pos, next - pos)));
    pos = next + 1;
  }
  return out;
}

std::multimap<std::string, std::string> parse_query(const std::string& q) {
  std::multimap<std::string, std::string> out;
  size_t pos = 0;
  while (pos < q.size()) {
    auto amp = q.find('&', pos);
    if (amp == std::string::npos)
      amp = q.size();
    auto item = q.substr(pos, amp - pos);
    auto eq = item.find('=');
    if (!item.empty())
      out.emplace(url_decode(item.substr(0, eq)),
                  eq == std::string::npos ? std::string{}
                                          : url_decode(item.substr(eq + 1)));
    pos = amp + 1;
  }
  return out;
}

using route_fn = void (*)(compute_api&, const call_ptr&);

// The top-level collections and their resources: the one list both the
// project-id detection and the routing read.
const std::map<std::string, route_fn>& collections() {
  static const std::map<std::string, route_fn> routes{
    {"servers", route_servers},
    {"flavors", route_flavors},
    {"images", route_images},
    {"limits", route_limits},
    {"os-quota-sets", route_quota_sets},
    {"os-quota-class-sets", route_quota_class_sets},
    {"os-hypervisors", route_hypervisors},
    {"os-keypairs", route_keypairs},
    {"os-security-groups", route_security_groups},
    {"os-security-group-rules", route_security_group_rules},
    {"os-services", route_services},
    {"os-networks", route_networks},
    {"os-server-groups", route_server_groups},
    {"os-aggregates", route_aggregates},
    {"os-availability-zone", route_availability_zones},
    {"os-simple-tenant-usage", route_tenant_usage},
    {"extensions", route_extensions},
    {"os-hosts", route_hosts},
    {"os-instance_usage_audit_log", route_usage_audit_log},
    {"os-server-external-events", route_server_external_events},
    {"os-agents", route_removed},
    {"os-cells", route_removed},
    {"os-certificates", route_removed},
    {"os-cloudpipe", route_removed},
    {"os-fixed-ips", route_removed},
    {"os-floating-ip-dns", route_removed},
    {"os-floating-ips-bulk", route_removed},
    {"os-fping", route_removed},
    {"os-security-group-default-rules", route_removed},
  };
  return routes;
}

bool is_literal(const std::string& segment) {
  // Every fixed segment a resource routes on below its collection.
  static const char* const literals[] = {
    "detail",   "action",     "metadata", "os-instance-actions",
    "defaults", "statistics", "search",   "servers",
    "uptime",   "disable",    "disable-log-reason", "enable",
    "ips",      "os-interface", "tags", "os-extra_specs",
    "os-flavor-access", "os-security-groups",
    "startup",  "shutdown",   "reboot"};
  for (auto l : literals)
    if (segment == l)
      return true;
  return false;
}

// The path as a route template: the collection, its literal segments and
// {id}, {key} for the rest. Routes are at most four segments deep; the
// router answers 404 (route "unmatched") to anything else.
std::string route_template(const std::vector<std::string>& path) {
  if (path.empty() || path.size() > 4 || collections().count(path[0]) == 0)
    return "unmatched";
  std::string out = "/v2.1/" + path[0];
  for (size_t i = 1; i < path.size(); ++i)
    out += "/" + (is_literal(path[i]) ? path[i]
                  : i == 1            ? std::string{"{id}"}
                                      : std::string{"{key}"});
  return out;
}

} // namespace

compute_api::compute_api(caf::actor_system& sys, api_actor api,
                         image_actor images, api_options opts)
  : sys_(sys), api_(std::move(api)), images_(std::move(images)), opts_(opts) {
  // nop
}

bool compute_api::authenticate_call(const call_ptr& c) {
  auto ctx = authenticate(c->req, opts_.auth);
  if (!ctx) {
    response res{beast_http::status::unauthorized, c->req.version()};
    set_request_id(res, c->request_id);
    res.set("WWW-Authenticate", "Keystone uri=\"" + c->base.root + "\"");
    res.set(beast_http::field::content_type, "application/json");
    res.body() = json::serialize(json::object{
      {"error", json::object{{"code", 401},
                             {"title", "Unauthorized"},
                             {"message", "The request you have made requires "
                                         "authentication."}}}});
    respond(c, std::move(res));
    return false;
  }
  c->ctx = *ctx;
  c->ctx.request_id = c->request_id;
  return true;
}

response compute_api::render_error(unsigned status, const std::string& message) {
  response res{static_cast<beast_http::status>(status), 11};
  set_request_id(res, "req-" + make_uuid());
  res.set(beast_http::field::content_type, "application/json");
  res.body() = json::serialize(fault_body(status, message));
  return res;
}

void compute_api::handle(request&& req, responder done) {
  auto c = std::make_shared<call>();
  c->started = std::chrono::steady_clock::now();
  c->request_id = "req-" + make_uuid();
  c->done = std::move(done);
  c->metrics = opts_.metrics;
  c->req = std::move(req);
  std::string target{c->req.target()};
  auto qm = target.find('?');
  auto segments = split_path(target.substr(0, qm));
  if (qm != std::string::npos)
    c->query = parse_query(target.substr(qm + 1));
  auto host = c->req.find(beast_http::field::host);
  c->base.root = "http://"
                 + (host == c->req.end() ? std::string{"localhost"}
                                         : std::string{host->value()});
  // Version documents: no authentication, no microversion.
  if (segments.empty() || (segments.size() == 1 && segments[0] == "v2.1")) {
    c->versioned = false;
    c->route = segments.empty() ? "/" : "/v2.1";
    if (c->req.method() != beast_http::verb::get) {
      reply_bad_method(c);
      return;
    }
    if (segments.empty())
      reply_json(c, 200, versions(c->base.root));
    else
      reply_json(c, 200, json::object{{"version", version_v21(c->base.root)}});
    return;
  }
  // The Glance-shaped image endpoint: /versions (no authentication, as
  // Glance's), /v2 (its discovery), /v2/images[/{id}].
  if (segments[0] == "versions" || segments[0] == "v2") {
    c->versioned = false;
    if (segments.size() > 3 || (segments[0] == "versions" && segments.size() > 1)) {
      reply_no_route(c);
      return;
    }
    if (c->req.method() != beast_http::verb::get) {
      reply_bad_method(c);
      return;
    }
    if (segments.size() == 1) {
      c->route = "/" + segments[0];
      reply_json(c, 200, glance_versions(c->base.root));
      return;
    }
    c->route = "unrouted";
    if (!authenticate_call(c))
      return;
    c->path.assign(segments.begin() + 1, segments.end());
    if (c->path[0] != "images") {
      reply_no_route(c);
      return;
    }
    c->route = c->path.size() == 1 ? "/v2/images" : "/v2/images/{id}";
    route_glance_images(*this, c);
    return;
  }
  // The Neutron-shaped networks (docs/networking.md): /v2.0/networks[/{id}],
  // read-only, so that clients find a network as they would in Neutron.
  if (segments[0] == "v2.0") {
    c->versioned = false;
    if (segments.size() == 1 && c->req.method() == beast_http::verb::get) {
      // Its version document, which clients discover before they list.
      c->route = "/v2.0";
      reply_json(c, 200,
                 json::object{{"version",
                               json::object{{"id", "v2.0"},
                                            {"status", "CURRENT"},
                                            {"links",
                                             json::array{json::object{
                                               {"rel", "self"},
                                               {"href", c->base.root
                                                          + "/v2.0/"}}}}}}});
      return;
    }
    c->route = "unrouted";
    if (segments.size() < 2 || segments.size() > 3
        || segments[1] != "networks") {
      reply_no_route(c);
      return;
    }
    if (c->req.method() != beast_http::verb::get) {
      reply_bad_method(c);
      return;
    }
    if (!authenticate_call(c))
      return;
    c->path.assign(segments.begin() + 1, segments.end());
    c->route = c->path.size() == 1 ? "/v2.0/networks" : "/v2.0/networks/{id}";
    route_neutron_networks(*this, c);
    return;
  }
  if (segments[0] != "v2.1") {
    c->versioned = false;
    reply_no_route(c);
    return;
  }
  c->path.assign(segments.begin() + 1, segments.end());
  // /v2.1/{project_id}/... : the project is checked once the caller is known.
  if (!c->path.empty() && collections().count(c->path[0]) == 0
      && c->path.size() > 1 && collections().count(c->path[1]) != 0) {
    c->base.project_id = c->path[0];
    c->path.erase(c->path.begin());
  }
  // Until the caller is known, no route: clients without a token must not
  // be able to mint label values.
  c->route = "unrouted";
  auto negotiated = negotiate(c->req);
  if (!negotiated.version) {
    c->versioned = false;
    reply_error(c, negotiated.status, negotiated.message);
    return;
  }
  c->version = *negotiated.version;
  if (!authenticate_call(c))
    return;
  if (!c->base.project_id.empty() && c->base.project_id != c->ctx.project_id) {
    reply_error(c, 400,
                "Malformed request URL: URL's project_id '"
                  + c->base.project_id
                  + "' doesn't match Context's project_id '"
                  + c->ctx.project_id + "'");
    return;
  }
  c->route = route_template(c->path);
  route(c);
}

void compute_api::route(const call_ptr& c) {
  auto i = c->path.empty() ? collections().end()
                           : collections().find(c->path[0]);
  if (i == collections().end())
    reply_no_route(c);
  else
    i->second(*this, c);
}

} // namespace vmforge::http
