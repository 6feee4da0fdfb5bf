// os-services (admin): the scheduler, the conductor and one nova-compute
// per host; disabling a compute host, or forcing it down (2.11), keeps the
// scheduler off it.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <optional>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "http/compute/host_ids.hpp"
#include "http/compute/query_schema.hpp"
#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object service_view(api_version version, json::value id,
                          const std::string& binary, const std::string& host,
                          const std::string& zone, bool enabled, bool up,
                          const std::string& reason, bool forced_down) {
  json::object out{{"id", id},
                   {"binary", binary},
                   {"host", host},
                   {"zone", zone},
                   {"status", enabled ? "enabled" : "disabled"},
                   {"state", up ? "up" : "down"},
                   {"updated_at", iso8601_micro(now_us())},
                   {"disabled_reason",
                    reason.empty() ? json::value(nullptr) : json::value(reason)}};
  if (version >= api_version{2, 11})
    out["forced_down"] = forced_down;
  return out;
}

// Python's repr of a JSON value, as jsonschema's messages quote it.
std::string py_repr(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "None";
    case json::kind::bool_:
      return v.as_bool() ? "True" : "False";
    case json::kind::string:
      return "'" + std::string{v.as_string().c_str()} + "'";
    case json::kind::array: {
      std::string out = "[";
      for (auto& x : v.as_array())
        out += (out.size() > 1 ? ", " : "") + py_repr(x);
      return out + "]";
    }
    case json::kind::object: {
      std::string out = "{";
      for (auto& kv : v.as_object())
        out += (out.size() > 1 ? ", '" : "'") + std::string{kv.key()}
               + "': " + py_repr(kv.value());
      return out + "}";
    }
    case json::kind::double_: {
      char buf[32];
      auto end = std::to_chars(buf, buf + sizeof buf, v.as_double()).ptr;
      std::string out{buf, end};
      return out.find_first_of(".en") == std::string::npos ? out + ".0" : out;
    }
    default:
      return json::serialize(v);
  }
}

// Nova's validator message for a property that fails its schema.
std::string invalid(const std::string& field, const json::value& v,
                    const std::string& why) {
  auto shown = v.is_string() ? std::string{v.as_string().c_str()} : py_repr(v);
  return "Invalid input for field/attribute " + field + ". Value: " + shown
         + ". " + why;
}

// A string property of 1 to 255 characters; `pattern`, if any, is the
// regex Nova's schema names (checked by `allowed`).
bool string_property(const json::object& body, const char* field,
                     std::string& error, const char* pattern = nullptr,
                     bool (*allowed)(char) = nullptr) {
  auto v = body.if_contains(field);
  if (v == nullptr)
    return true;
  if (!v->is_string()) {
    error = invalid(field, *v, py_repr(*v) + " is not of type 'string'");
    return false;
  }
  auto& s = v->as_string();
  if (s.empty())
    error = invalid(field, *v, "'' is too short");
  else if (s.size() > 255)
    error = invalid(field, *v, py_repr(*v) + " is too long");
  else if (allowed && !std::all_of(s.begin(), s.end(), allowed))
    error = invalid(field, *v,
                    py_repr(*v) + " does not match '" + pattern + "'");
  return error.empty();
}

// parameter_types.hostname's '^[a-zA-Z0-9-._]*$'.
bool hostname_char(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.'
         || ch == '_';
}

bool boolean_property(const json::object& body, const char* field,
                      std::string& error) {
  auto v = body.if_contains(field);
  if (v == nullptr || v->is_bool())
    return true;
  if (!v->is_string()) {
    error = invalid(field, *v,
                    py_repr(*v) + " is not of type 'boolean', 'string'");
    return false;
  }
  if (oslo_boolean(v->as_string().c_str()))
    return true;
  error = invalid(field, *v,
                  py_repr(*v) + " is not one of " + oslo_boolean_enum());
  return false;
}

// oslo's strutils.bool_from_string, on a value boolean_property passed.
bool as_bool(const json::value& v) {
  return v.is_bool() ? v.as_bool() : oslo_true(v.as_string().c_str());
}

// Nova's schemas service_update (to 2.10) and service_update_v211, in the
// order jsonschema reports them: properties, required, additional ones.
bool valid_service_update(const json::object& body, api_version version,
                          std::string& error) {
  auto v211 = version >= api_version{2, 11};
  if (!string_property(body, "host", error, "^[a-zA-Z0-9-._]*$",
                       hostname_char)
      || !string_property(body, "binary", error)
      || !string_property(body, "disabled_reason", error)
      || (v211 && !boolean_property(body, "forced_down", error)))
    return false;
  for (auto field : {"host", "binary"})
    if (!body.contains(field)) {
      error = std::string{"'"} + field + "' is a required property";
      return false;
    }
  std::vector<std::string> extra;
  for (auto& kv : body) {
    auto key = std::string{kv.key()};
    if (key != "host" && key != "binary" && key != "disabled_reason"
        && !(v211 && key == "forced_down"))
      extra.push_back(key);
  }
  if (extra.empty())
    return true;
  error = additional_properties(std::move(extra));
  return false;
}

// The services of this all-in-one process: its scheduler and conductor,
// then one nova-compute per host, integer ids before 2.53, uuids from it.
json::array services_of(api_version v, const host_view_list& l) {
  auto uuids = v >= api_version{2, 53};
  json::array out;
  int64_t id = 1;
  auto add = [&](const std::string& binary, const std::string& host,
                 const std::string& zone, bool enabled, bool up,
                 const std::string& reason, bool forced_down) {
    json::value shown = uuids ? json::value(service_uuid(binary, host))
                              : json::value(id);
    ++id;
    out.push_back(service_view(v, std::move(shown), binary, host, zone,
                               enabled, up, reason, forced_down));
  };
  add("nova-scheduler", "vmforge", "internal", true, true, {}, false);
  add("nova-conductor", "vmforge", "internal", true, true, {}, false);
  for (auto& h : l.items)
    add("nova-compute", h.host, h.availability_zone, h.enabled, h.up,
        h.disabled_reason, h.forced_down);
  return out;
}

// Nova's schema service_update_v253: status, disabled_reason, forced_down,
// none required.
bool valid_service_update_v253(const json::object& body, std::string& error) {
  if (auto s = body.if_contains("status")) {
    if (!s->is_string()) {
      error = invalid("status", *s, py_repr(*s) + " is not of type 'string'");
      return false;
    }
    if (s->as_string() != "enabled" && s->as_string() != "disabled") {
      error = invalid("status", *s, py_repr(*s)
                                      + " is not one of ['enabled', "
                                        "'disabled']");
      return false;
    }
  }
  if (!string_property(body, "disabled_reason", error)
      || !boolean_property(body, "forced_down", error))
    return false;
  std::vector<std::string> extra;
  for (auto& kv : body)
    if (kv.key() != "status" && kv.key() != "disabled_reason"
        && kv.key() != "forced_down")
      extra.push_back(std::string{kv.key()});
  if (extra.empty())
    return true;
  error = additional_properties(std::move(extra));
  return false;
}

// PUT /os-services/{service_id} from 2.53, as Nova's _update_v253: the
// schema, the uuid, the policy, the service, then its status and/or
// forced_down; the answer is the whole service.
void update_service_v253(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  std::string error;
  if (!valid_service_update_v253(*body, error)) {
    reply_error(c, 400, error);
    return;
  }
  auto id = c->path[1];
  if (!is_uuid(id)) {
    reply_error(c, 400, "Invalid uuid " + id);
    return;
  }
  if (!c->ctx.is_admin) {
    reply_error(c, 403, "Policy doesn't allow os_compute_api:os-services:update "
                        "to be performed.");
    return;
  }
  auto status = body->if_contains("status");
  auto reason = body->if_contains("disabled_reason");
  if (status != nullptr && status->as_string() == "enabled"
      && reason != nullptr) {
    reply_error(c, 400, "Specifying 'disabled_reason' with status 'enabled' "
                        "is invalid.");
    return;
  }
  auto forced = body->if_contains("forced_down");
  std::optional<update_service> set_status;
  if (status != nullptr)
    set_status = update_service{
      c->ctx, {}, status->as_string() == "disabled",
      reason != nullptr ? std::string{reason->as_string().c_str()}
                        : std::string{}};
  std::optional<force_down_service> set_forced;
  if (forced != nullptr)
    set_forced = force_down_service{c->ctx, {}, as_bool(*forced)};
  ask<host_view_list>(api, c, list_services{c->ctx},
                      [&api, c, id, set_status, set_forced](
                        host_view_list& l) mutable {
    auto services = services_of(c->version, l);
    auto found = std::find_if(services.begin(), services.end(),
                              [&](const json::value& s) {
                                return s.as_object().at("id") == id.c_str();
                              });
    if (found == services.end()) {
      reply_error(c, 404, "Service " + id + " could not be found.");
      return;
    }
    auto& service = found->as_object();
    std::string binary = service.at("binary").as_string().c_str();
    if (binary != "nova-compute") {
      reply_error(c, 400, "Updating a " + binary + " service is not "
                          "supported. Only nova-compute services can be "
                          "updated.");
      return;
    }
    if (!set_status && !set_forced) {
      reply_error(c, 400, "No updates were requested. Fields 'status' or "
                          "'forced_down' should be specified.");
      return;
    }
    std::string host = service.at("host").as_string().c_str();
    // The service as it is once every change asked for is made.
    auto answer = [c, id](host_view_list& after) {
      for (auto& s : services_of(c->version, after))
        if (s.as_object().at("id") == id.c_str()) {
          reply_json(c, 200, json::object{{"service", s}});
          return;
        }
      reply_error(c, 404, "Service " + id + " could not be found.");
    };
    auto then_forced = [&api, c, host, set_forced, answer](
                         host_view_list& after) mutable {
      if (!set_forced) {
        answer(after);
        return;
      }
      set_forced->host = host;
      ask<host_view_list>(api, c, std::move(*set_forced), answer);
    };
    if (!set_status) {
      then_forced(l);
      return;
    }
    set_status->host = host;
    ask<host_view_list>(api, c, std::move(*set_status), then_forced);
  });
}

} // namespace

void route_services(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  if (p.size() == 1 && c->req.method() == verb::get) {
    // index_query_v275: host and binary only.
    if (c->version >= api_version{2, 75}) {
      auto error = unexpected_params(*c, {"host", "binary"});
      if (!error.empty()) {
        reply_error(c, 400, error);
        return;
      }
    }
    ask<host_view_list>(api, c, list_services{c->ctx}, [c](host_view_list& l) {
      json::array out;
      for (auto& s : services_of(c->version, l)) {
        auto& o = s.as_object();
        if ((c->has_param("host") && o.at("host") != c->param("host").c_str())
            || (c->has_param("binary")
                && o.at("binary") != c->param("binary").c_str()))
          continue;
        out.push_back(std::move(s));
      }
      reply_json(c, 200, json::object{{"services", std::move(out)}});
    });
    return;
  }
  if (p.size() == 2 && c->req.method() == verb::put
      && c->version >= api_version{2, 53}) {
    update_service_v253(api, c);
    return;
  }
  // PUT /os-services/{disable,disable-log-reason,enable} and, from 2.11,
  // force-down (until 2.53 names services by id). As Nova's update: the
  // schema, then the action (an unknown one is 404), then its own fields.
  if (p.size() == 2 && c->req.method() == verb::put) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body)
      return;
    std::string error;
    if (!valid_service_update(*body, c->version, error)) {
      reply_error(c, 400, error);
      return;
    }
    auto& action = p[1];
    auto force_down = action == "force-down"
                      && c->version >= api_version{2, 11};
    if (!force_down && action != "disable" && action != "disable-log-reason"
        && action != "enable") {
      reply_error(c, 404, "Unknown action");
      return;
    }
    if (action == "disable-log-reason" && !body->contains("disabled_reason")) {
      reply_error(c, 400, "Missing disabled reason field");
      return;
    }
    if (force_down && !body->contains("forced_down")) {
      reply_error(c, 400, "Missing forced_down field");
      return;
    }
    std::string host = body->at("host").as_string().c_str();
    std::string binary = body->at("binary").as_string().c_str();
    if (binary != "nova-compute") {
      reply_error(c, 400, "Updating a " + binary + " service is not "
                          "supported. Only nova-compute services can be "
                          "updated.");
      return;
    }
    if (force_down) {
      auto down = as_bool(body->at("forced_down"));
      ask<host_view_list>(api, c, force_down_service{c->ctx, host, down},
                          [c, host, down](host_view_list&) {
        reply_json(c, 200, json::object{{"service",
                                         json::object{{"host", host},
                                                      {"binary", "nova-compute"},
                                                      {"forced_down", down}}}});
      });
      return;
    }
    update_service req{c->ctx, host, action != "enable", {}};
    if (action == "disable-log-reason")
      req.reason = body->at("disabled_reason").as_string().c_str();
    auto disabled = req.disabled;
    auto reason = req.reason;
    ask<host_view_list>(api, c, std::move(req),
                        [c, host, disabled, reason](host_view_list&) {
      json::object service{{"host", host},
                           {"binary", "nova-compute"},
                           {"status", disabled ? "disabled" : "enabled"}};
      if (!reason.empty())
        service["disabled_reason"] = reason;
      reply_json(c, 200, json::object{{"service", std::move(service)}});
    });
    return;
  }
  reply_no_route(c);
}

} // namespace vmforge::http
