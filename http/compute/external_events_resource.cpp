// os-server-external-events: POST, admins (Neutron, Cinder, Ironic and
// Cyborg tell Nova about a server's ports, volumes, power and
// accelerators).
#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

// The event names a microversion's schema allows.
bool known_event(const std::string& name, api_version v) {
  for (auto n : {"network-changed", "network-vif-plugged",
                 "network-vif-unplugged", "network-vif-deleted"})
    if (name == n)
      return true;
  return (name == "volume-extended" && v >= api_version{2, 51})
         || (name == "power-update" && v >= api_version{2, 76})
         || (name == "accelerator-request-bound" && v >= api_version{2, 82})
         || (name == "volume-reimaged" && v >= api_version{2, 93});
}

std::string invalid(const std::string& field, const json::value& value,
                    const std::string& why) {
  return "Invalid input for field/attribute " + field + ". Value: "
         + json::serialize(value) + ". " + why;
}

// The request's schema (create, create_v251 ... create_v293); an error's
// message, empty if the body passes.
std::string parse_events(const json::object& body, api_version v,
                         std::vector<server_event>& out) {
  for (auto& kv : body)
    if (kv.key() != "events")
      return "Additional properties are not allowed ('"
             + std::string{kv.key()} + "' was unexpected)";
  auto events = body.if_contains("events");
  if (events == nullptr)
    return "'events' is a required property";
  if (!events->is_array())
    return invalid("events", *events,
                   json::serialize(*events) + " is not of type 'array'");
  if (events->as_array().empty())
    return invalid("events", *events, "[] is too short");
  for (auto& item : events->as_array()) {
    if (!item.is_object())
      return invalid("events", item,
                     json::serialize(item) + " is not of type 'object'");
    auto& o = item.as_object();
    server_event e;
    for (auto& kv : o) {
      std::string key{kv.key()};
      auto& val = kv.value();
      if (key != "name" && key != "server_uuid" && key != "status"
          && key != "tag")
        return invalid("events", item,
                       "Additional properties are not allowed ('" + key
                         + "' was unexpected)");
      if (!val.is_string())
        return invalid(key, val,
                       json::serialize(val) + " is not of type 'string'");
      std::string text{val.as_string()};
      if (key == "name" && !known_event(text, v))
        return invalid(key, val, json::serialize(val) + " is not one of the "
                                   "allowed event names");
      if (key == "server_uuid" && !is_uuid(text))
        return invalid(key, val, "'" + text + "' is not a 'uuid'");
      if (key == "status" && text != "failed" && text != "completed"
          && text != "in-progress")
        return invalid(key, val,
                       "'" + text + "' is not one of ['failed', "
                                    "'completed', 'in-progress']");
      if (key == "tag" && text.size() > 255)
        return invalid(key, val, "'" + text + "' is too long");
      if (key == "name")
        e.name = text;
      else if (key == "server_uuid")
        e.server_uuid = text;
      else if (key == "status")
        e.status = text;
      else {
        e.has_tag = true;
        e.tag = text;
      }
    }
    for (auto required : {"name", "server_uuid"})
      if (!o.contains(required))
        return invalid("events", item,
                       "'" + std::string{required}
                         + "' is a required property");
    out.push_back(std::move(e));
  }
  return {};
}

} // namespace

void route_server_external_events(compute_api& api, const call_ptr& c) {
  if (c->path.size() != 1) {
    reply_no_route(c);
    return;
  }
  if (c->req.method() != beast_http::verb::post) {
    reply_bad_method(c);
    return;
  }
  if (!c->ctx.is_admin) {
    reply_error(c, 403, "Policy doesn't allow "
                        "os_compute_api:os-server-external-events:create to "
                        "be performed.");
    return;
  }
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  server_events req{c->ctx, {}};
  auto error = parse_events(*body, c->version, req.events);
  if (!error.empty()) {
    reply_error(c, 400, error);
    return;
  }
  ask<server_events>(api, c, std::move(req), [c](server_events& r) {
    json::array out;
    bool all = true;
    for (auto& e : r.events) {
      json::object o{{"name", e.name},
                     {"server_uuid", e.server_uuid},
                     {"status", e.status},
                     {"code", e.code}};
      if (e.has_tag)
        o["tag"] = e.tag;
      all = all && e.code == 200;
      out.push_back(std::move(o));
    }
    reply_json(c, all ? 200 : 207, json::object{{"events", std::move(out)}});
  });
}

} // namespace vmforge::http
