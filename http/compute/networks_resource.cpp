// A server's networks as Nova shows them: os-networks (the proxy API, until
// microversion 2.35), a server's ips and its os-interface attachments; and
// the networks as Neutron's v2.0 API lists them, for clients.
#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

void route_networks(compute_api& api, const call_ptr& c) {
  if (removed_at_2_36(c))
    return;
  auto& p = c->path;
  if (c->req.method() != beast_http::verb::get || p.size() > 2) {
    // Nova's neutron proxy has no create, delete or associate either.
    reply_bad_method(c);
    return;
  }
  auto wanted = p.size() == 2 ? p[1] : std::string{};
  ask<network_list>(api, c, get_networks{c->ctx}, [c, wanted](network_list& l) {
    if (wanted.empty()) {
      json::array out;
      for (auto& n : l.items)
        out.push_back(network_view(n, c->ctx.is_admin));
      reply_json(c, 200, json::object{{"networks", std::move(out)}});
      return;
    }
    for (auto& n : l.items)
      if (n.id == wanted) {
        reply_json(c, 200,
                   json::object{{"network", network_view(n, c->ctx.is_admin)}});
        return;
      }
    reply_error(c, 404, "Network not found");
  });
}

void route_neutron_networks(compute_api& api, const call_ptr& c) {
  auto wanted = c->path.size() == 2 ? c->path[1] : std::string{};
  ask<network_list>(api, c, get_networks{c->ctx}, [c, wanted](network_list& l) {
    auto id = c->param("id");
    auto name = c->param("name");
    if (wanted.empty()) {
      json::array out;
      for (auto& n : l.items)
        if ((id.empty() || n.id == id) && (name.empty() || n.label == name))
          out.push_back(neutron_network_view(n));
      reply_json(c, 200, json::object{{"networks", std::move(out)}});
      return;
    }
    for (auto& n : l.items)
      if (n.id == wanted) {
        reply_json(c, 200, json::object{{"network", neutron_network_view(n)}});
        return;
      }
    // Neutron's own fault body.
    reply_json(c, 404, json::object{{"NeutronError",
                                     json::object{{"type", "NetworkNotFound"},
                                                  {"message", "Network " + wanted
                                                                + " could not be "
                                                                  "found."},
                                                  {"detail", ""}}}});
  });
}

void server_ips(compute_api& api, const call_ptr& c, const std::string& id) {
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  auto label = c->path.size() == 4 ? c->path[3] : std::string{};
  ask<instance>(api, c, show_server{c->ctx, id}, [c, label](instance& row) {
    auto all = addresses_view(row.vifs, false);
    if (label.empty()) {
      reply_json(c, 200, json::object{{"addresses", std::move(all)}});
      return;
    }
    auto ips = all.if_contains(label);
    if (ips == nullptr) {
      reply_error(c, 404, "Instance is not a member of specified network");
      return;
    }
    reply_json(c, 200, json::object{{label, *ips}});
  });
}

void server_interfaces(compute_api& api, const call_ptr& c,
                       const std::string& id) {
  using verb = beast_http::verb;
  auto method = c->req.method();
  auto port = c->path.size() == 4 ? c->path[3] : std::string{};
  bool attach = method == verb::post && port.empty();
  bool detach = method == verb::delete_ && !port.empty();
  if (method != verb::get && !attach && !detach) {
    reply_bad_method(c);
    return;
  }
  ask<instance>(api, c, show_server{c->ctx, id},
                [c, port, attach, detach](instance& row) {
    // The interfaces are the networks the server was created on: no
    // Neutron, so no port to attach or detach (Nova's answer for a network
    // API without the function).
    if (attach || detach) {
      reply_error(c, 501, "Network driver does not support this function.");
      return;
    }
    bool tagged = c->version >= api_version{2, 70};
    if (port.empty()) {
      json::array out;
      for (auto& v : row.vifs)
        out.push_back(interface_view(v, tagged));
      reply_json(c, 200,
                 json::object{{"interfaceAttachments", std::move(out)}});
      return;
    }
    for (auto& v : row.vifs)
      if (v.id == port) {
        reply_json(c, 200, json::object{{"interfaceAttachment",
                                         interface_view(v, tagged)}});
        return;
      }
    reply_error(c, 404, "Port " + port + " could not be found.");
  });
}

} // namespace vmforge::http
