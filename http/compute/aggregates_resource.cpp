// os-aggregates (admin): host aggregates, their hosts and metadata; an
// aggregate with an `availability_zone` is a zone (os-availability-zone).
#include <algorithm>
#include <cctype>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

// Nova's _marshall_aggregate: every field of the object, uuid from 2.41;
// create answers without hosts and metadata.
json::object aggregate_view(const aggregate& a, api_version version,
                            bool with_members = true) {
  auto zone = a.availability_zone();
  json::object out{
    {"id", a.id},
    {"name", a.name},
    {"availability_zone", zone.empty() ? json::value(nullptr) : json::value(zone)},
    {"created_at", iso8601_micro(a.created_us)},
    {"updated_at", a.updated_us == 0 ? json::value(nullptr)
                                     : json::value(iso8601_micro(a.updated_us))},
    {"deleted", false},
    {"deleted_at", nullptr}};
  if (with_members) {
    json::array hosts;
    for (auto& h : a.hosts)
      hosts.emplace_back(h);
    json::object meta;
    for (auto& kv : a.metadata)
      meta[kv.first] = kv.second;
    out["hosts"] = std::move(hosts);
    out["metadata"] = std::move(meta);
  }
  if (version >= api_version{2, 41})
    out["uuid"] = a.uuid;
  return out;
}

// Nova's utils.validate_integer on the path's id.
bool aggregate_id(const call_ptr& c, int64_t& out) {
  auto& text = c->path[1];
  if (text.empty() || text.size() > 18
      || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    reply_error(c, 400, "Invalid input received: id must be an integer");
    return false;
  }
  out = std::stoll(text);
  return true;
}

// parameter_types.name: 1-255 characters, no leading or trailing spaces
// once normalized (Nova strips them).
bool name_field(const json::value* v, std::string& out, bool nullable) {
  if (v == nullptr)
    return false;
  if (v->is_null())
    return nullable;
  if (!v->is_string())
    return false;
  std::string text{v->as_string().c_str()};
  auto first = text.find_first_not_of(' ');
  auto last = text.find_last_not_of(' ');
  out = first == std::string::npos ? std::string{}
                                   : text.substr(first, last - first + 1);
  return !out.empty() && out.size() <= 255;
}

bool only_keys(const json::object& o, std::initializer_list<const char*> keys,
               std::string& unexpected) {
  for (auto& kv : o)
    if (std::none_of(keys.begin(), keys.end(),
                     [&](const char* k) { return kv.key() == k; })) {
      unexpected = kv.key();
      return false;
    }
  return true;
}

// The body's {"aggregate": {...}} of create and update.
bool aggregate_body(const call_ptr& c, const json::object& body,
                    aggregate_request& req, bool create) {
  auto inner = body.if_contains("aggregate");
  std::string unexpected;
  if (inner == nullptr || !inner->is_object() || body.size() != 1) {
    reply_error(c, 400, "Invalid input for field/attribute aggregate. "
                        "'aggregate' is a required property");
    return false;
  }
  auto& in = inner->as_object();
  if (!only_keys(in, {"name", "availability_zone"}, unexpected)) {
    reply_error(c, 400, "Additional properties are not allowed ('" + unexpected
                          + "' was unexpected)");
    return false;
  }
  if (create || in.contains("name")) {
    req.set_name = true;
    if (!name_field(in.if_contains("name"), req.name, false)) {
      reply_error(c, 400, "Invalid input for field/attribute name.");
      return false;
    }
  }
  if (in.contains("availability_zone")) {
    // A null zone creates none; an update refuses it (an empty zone).
    req.set_zone = true;
    if (!name_field(in.if_contains("availability_zone"), req.zone, true)) {
      reply_error(c, 400, "Invalid input for field/attribute "
                          "availability_zone.");
      return false;
    }
  }
  if (!create && in.empty()) {
    reply_error(c, 400, "Invalid input for field/attribute aggregate.");
    return false;
  }
  return true;
}

// POST /os-aggregates/{id}/action: add_host, remove_host, set_metadata.
bool action_body(const call_ptr& c, const json::object& body,
                 aggregate_request& req) {
  if (body.size() != 1) {
    reply_error(c, 400, "Invalid input for field/attribute action.");
    return false;
  }
  auto& name = body.begin()->key();
  auto& v = body.begin()->value();
  std::string unexpected;
  if (name == "add_host" || name == "remove_host") {
    req.op = name == "add_host" ? aggregate_op::add_host
                                : aggregate_op::remove_host;
    auto host = v.is_object() ? v.as_object().if_contains("host") : nullptr;
    if (host == nullptr || !host->is_string() || host->as_string().empty()
        || host->as_string().size() > 255
        || !only_keys(v.as_object(), {"host"}, unexpected)) {
      reply_error(c, 400, "Invalid input for field/attribute "
                            + std::string{name} + ".");
      return false;
    }
    req.host = host->as_string().c_str();
    return true;
  }
  if (name != "set_metadata") {
    reply_error(c, 400, "There is no such action: " + std::string{name});
    return false;
  }
  req.op = aggregate_op::set_metadata;
  auto meta = v.is_object() ? v.as_object().if_contains("metadata") : nullptr;
  if (meta == nullptr || !meta->is_object()
      || !only_keys(v.as_object(), {"metadata"}, unexpected)) {
    reply_error(c, 400, "Invalid input for field/attribute set_metadata.");
    return false;
  }
  // Nova's metadata_with_null: keys ^[a-zA-Z0-9-_:. ]{1,255}$, values
  // strings of at most 255 characters or null (deletes the key).
  for (auto& kv : meta->as_object()) {
    std::string key{kv.key()};
    auto& value = kv.value();
    if (!valid_spec_key(key) || !(value.is_null() || value.is_string())
        || (value.is_string() && value.as_string().size() > 255)) {
      reply_error(c, 400, "Invalid input for field/attribute metadata.");
      return false;
    }
    if (value.is_null())
      req.unset.push_back(key);
    else
      req.metadata.emplace(key, value.as_string().c_str());
  }
  return true;
}

} // namespace

void route_aggregates(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  aggregate_request req;
  req.ctx = c->ctx;
  auto one = [c](bool with_members) {
    return [c, with_members](aggregate_list& l) {
      reply_json(c, 200, json::object{{"aggregate", aggregate_view(
                                                      l.items.front(),
                                                      c->version,
                                                      with_members)}});
    };
  };
  if (p.size() == 1) {
    if (method == verb::get) {
      ask<aggregate_list>(api, c, std::move(req), [c](aggregate_list& l) {
        json::array out;
        for (auto& a : l.items)
          out.push_back(aggregate_view(a, c->version));
        reply_json(c, 200, json::object{{"aggregates", std::move(out)}});
      });
      return;
    }
    json::value storage;
    auto body = allowed_json_body(c, method == verb::post, storage);
    if (!body || !aggregate_body(c, *body, req, true))
      return;
    req.op = aggregate_op::create;
    ask<aggregate_list>(api, c, std::move(req), one(false));
    return;
  }
  if (p.size() > 3 || (p.size() == 3 && p[2] != "action")) {
    reply_no_route(c);
    return;
  }
  if (!aggregate_id(c, req.id))
    return;
  if (p.size() == 2 && method == verb::get) {
    req.op = aggregate_op::show;
    ask<aggregate_list>(api, c, std::move(req), one(true));
    return;
  }
  if (p.size() == 2 && method == verb::delete_) {
    req.op = aggregate_op::remove;
    ask<aggregate_list>(api, c, std::move(req),
                        [c](aggregate_list&) { reply_empty(c, 200); });
    return;
  }
  auto is_put = p.size() == 2 && method == verb::put;
  auto is_action = p.size() == 3 && method == verb::post;
  json::value storage;
  auto body = allowed_json_body(c, is_put || is_action, storage);
  if (!body)
    return;
  if (is_put) {
    if (!aggregate_body(c, *body, req, false))
      return;
    req.op = aggregate_op::update;
  } else if (!action_body(c, *body, req)) {
    return;
  }
  ask<aggregate_list>(api, c, std::move(req), one(true));
}

} // namespace vmforge::http
