// os-services (admin): the scheduler, the conductor and one nova-compute
// per host; disabling a compute host, or forcing it down (2.11), keeps the
// scheduler off it.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object service_view(api_version version, int64_t id,
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

// Nova's parameter_types.boolean: a JSON boolean or one of these strings.
const char* const true_strings[] = {"True", "TRUE", "true", "1", "ON",
                                    "On", "on", "YES", "Yes", "yes"};
const char* const false_strings[] = {"False", "FALSE", "false", "0", "OFF",
                                     "Off", "off", "NO", "No", "no"};

bool one_of(const json::string& s, const char* const (&strings)[10]) {
  return std::any_of(std::begin(strings), std::end(strings),
                     [&](const char* x) { return s == x; });
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
  if (one_of(v->as_string(), true_strings)
      || one_of(v->as_string(), false_strings))
    return true;
  // The enum as Python shows it.
  std::string values = "[True";
  for (auto x : true_strings)
    values += std::string{", '"} + x + "'";
  values += ", False";
  for (auto x : false_strings)
    values += std::string{", '"} + x + "'";
  error = invalid(field, *v, py_repr(*v) + " is not one of " + values + "]");
  return false;
}

// oslo's strutils.bool_from_string, on a value boolean_property passed.
bool as_bool(const json::value& v) {
  return v.is_bool() ? v.as_bool() : one_of(v.as_string(), true_strings);
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
      extra.push_back("'" + key + "'");
  }
  if (extra.empty())
    return true;
  error = "Additional properties are not allowed (";
  for (size_t i = 0; i < extra.size(); ++i)
    error += (i > 0 ? ", " : "") + extra[i];
  error += extra.size() == 1 ? " was unexpected)" : " were unexpected)";
  return false;
}

} // namespace

void route_services(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  if (p.size() == 1 && c->req.method() == verb::get) {
    ask<host_view_list>(api, c, list_services{c->ctx}, [c](host_view_list& l) {
      json::array out;
      auto v = c->version;
      // The control services of this all-in-one process, then the hosts.
      out.push_back(service_view(v, 1, "nova-scheduler", "vmforge", "internal",
                                 true, true, {}, false));
      out.push_back(service_view(v, 2, "nova-conductor", "vmforge", "internal",
                                 true, true, {}, false));
      int64_t id = 3;
      for (auto& h : l.items) {
        if (c->has_param("host") && c->param("host") != h.host)
          continue;
        out.push_back(service_view(v, id++, "nova-compute", h.host,
                                   h.availability_zone, h.enabled, h.up,
                                   h.disabled_reason, h.forced_down));
      }
      if (c->has_param("binary")) {
        json::array kept;
        for (auto& s : out)
          if (s.as_object().at("binary") == c->param("binary").c_str())
            kept.push_back(s);
        out = std::move(kept);
      }
      reply_json(c, 200, json::object{{"services", std::move(out)}});
    });
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
