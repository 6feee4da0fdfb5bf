// os-server-groups: create, list, show, delete (Nova's server_groups.py and
// its schemas), and 2.71's server_groups in a server's view.
#include <algorithm>

#include "http/compute/ask.hpp"
#include "http/compute/query_schema.hpp"
#include "http/compute/server_group_schema.hpp"
#include "http/compute/server_schema.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

constexpr int64_t max_limit = 1000; // [api] max_limit

const api_version v2_13{2, 13};
const api_version v2_15{2, 15};
const api_version v2_64{2, 64};
const api_version v2_71{2, 71};

json::array strings(const std::vector<std::string>& xs) {
  json::array out;
  for (auto& x : xs)
    out.emplace_back(x);
  return out;
}

} // namespace

json::object server_group_view(const server_group& g, api_version version) {
  json::object out{{"id", g.id}, {"name", g.name}};
  if (version >= v2_64) {
    out["policy"] = g.policy;
    json::object rules;
    if (g.max_server_per_host != 0)
      rules["max_server_per_host"] = g.max_server_per_host;
    out["rules"] = std::move(rules);
  } else {
    out["policies"] = json::array{json::value(g.policy)};
    out["metadata"] = json::object{};
  }
  out["members"] = strings(g.members);
  if (version >= v2_13) {
    out["project_id"] = g.project_id;
    out["user_id"] = g.user_id;
  }
  return out;
}

namespace {

// jsonschema's enum message: "'x' is not one of ['a', 'b']".
bool one_of(const json::value& v, const std::string& field,
            const std::vector<std::string>& allowed, std::string& out,
            std::string& error) {
  if (v.is_string()
      && std::find(allowed.begin(), allowed.end(), v.as_string().c_str())
           != allowed.end()) {
    out = v.as_string().c_str();
    return true;
  }
  std::string names;
  for (auto& a : allowed)
    names += (names.empty() ? "'" : ", '") + a + "'";
  auto shown = v.is_string() ? "'" + show(v) + "'" : show(v);
  return invalid(error, field, v, shown + " is not one of [" + names + "]");
}

std::vector<std::string> policies_of(api_version version) {
  std::vector<std::string> out{"anti-affinity", "affinity"};
  if (version >= v2_15) {
    out.emplace_back("soft-anti-affinity");
    out.emplace_back("soft-affinity");
  }
  return out;
}

// 2.1-2.63: `policies`, an array of exactly one known policy.
bool policies_field(const json::value& v, api_version version,
                    std::string& out, std::string& error) {
  if (!v.is_array())
    return invalid(error, "policies", v,
                   show(v) + " is not of type 'array'");
  auto& xs = v.as_array();
  if (!xs.empty() && !one_of(xs[0], "0", policies_of(version), out, error))
    return false;
  if (xs.size() > 1 && xs[0] == xs[1])
    return invalid(error, "policies", v,
                   show(v) + " has non-unique elements");
  if (xs.empty())
    return invalid(error, "policies", v, "[] is too short");
  if (xs.size() > 1)
    return invalid(error, "policies", v, show(v) + " is too long");
  return true;
}

// 2.64's rules: at most max_server_per_host, a positive integer (or a
// string of one).
bool rules_field(const json::value& v, int64_t& out, std::string& error) {
  if (!v.is_object())
    return invalid(error, "rules", v,
                   show(v) + " is not of type 'object'");
  for (auto& kv : v.as_object()) {
    if (kv.key() != "max_server_per_host") {
      error = "Additional properties are not allowed ('"
              + std::string{kv.key()} + "' was unexpected)";
      return false;
    }
    auto& n = kv.value();
    const std::string field = "max_server_per_host";
    if (n.is_string()) {
      std::string s{n.as_string().c_str()};
      if (s.empty())
        return invalid(error, field, n, "'' is too short");
      if (!std::all_of(s.begin(), s.end(), ::isdigit) || s.size() > 18)
        return invalid(error, field, n,
                       "'" + s + "' does not match '^[0-9]*$'");
      out = std::stoll(s);
    } else if (n.is_int64()) {
      out = n.as_int64();
    } else {
      return invalid(error, field, n,
                     show(n) + " is not of type 'integer', 'string'");
    }
    if (out < 1)
      return invalid(error, field, n,
                     show(n) + " is less than the minimum of 1");
  }
  return true;
}

} // namespace

bool parse_server_group(const json::value& body, api_version version,
                 server_group& out, std::string& error) {
  auto sg = body.is_object() ? body.as_object().if_contains("server_group")
                             : nullptr;
  if (sg == nullptr) {
    error = "'server_group' is a required property";
    return false;
  }
  if (!sg->is_object())
    return invalid(error, "server_group", *sg,
                   show(*sg) + " is not of type 'object'");
  auto& in = sg->as_object();
  auto modern = version >= v2_64;
  auto name = in.if_contains("name");
  if (name != nullptr && !valid_name(*name, error))
    return false;
  const char* policy_key = modern ? "policy" : "policies";
  auto policy = in.if_contains(policy_key);
  if (policy != nullptr
      && !(modern ? one_of(*policy, "policy", policies_of(version), out.policy,
                           error)
                  : policies_field(*policy, version, out.policy, error)))
    return false;
  auto rules = modern ? in.if_contains("rules") : nullptr;
  if (rules != nullptr && !rules_field(*rules, out.max_server_per_host, error))
    return false;
  for (auto key : {"name", policy_key})
    if (!in.contains(key))
      return invalid(error, "server_group", *sg,
                     std::string{"'"} + key + "' is a required property");
  for (auto& kv : in) {
    std::string key{kv.key()};
    if (key != "name" && key != policy_key && !(modern && key == "rules")) {
      error = "Additional properties are not allowed ('" + key
              + "' was unexpected)";
      return false;
    }
  }
  out.name = name->as_string().c_str();
  return true;
}

namespace {

void create(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  server_group_request req;
  req.ctx = c->ctx;
  req.op = server_group_op::create;
  std::string error;
  if (!parse_server_group(*body, c->version, req.group, error)) {
    reply_error(c, 400, error);
    return;
  }
  ask<server_group_list>(api, c, std::move(req), [c](server_group_list& l) {
    reply_json(c, 200,
               json::object{{"server_group", server_group_view(l.items.front(), c->version)}});
  });
}

void list(compute_api& api, const call_ptr& c) {
  server_group_request req;
  req.ctx = c->ctx;
  req.all_projects = c->has_param("all_projects");
  int64_t limit = 0;
  std::string error;
  if (!query_integer(*c, "limit", limit, error)
      || !query_integer(*c, "offset", req.offset, error)) {
    reply_error(c, 400, error);
    return;
  }
  // Nova's common.limited: no limit (or 0) is max_limit.
  req.limit = limit == 0 ? max_limit : std::min(limit, max_limit);
  ask<server_group_list>(api, c, std::move(req), [c](server_group_list& l) {
    json::array out;
    for (auto& g : l.items)
      out.push_back(server_group_view(g, c->version));
    reply_json(c, 200, json::object{{"server_groups", std::move(out)}});
  });
}

} // namespace

void route_server_groups(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  if (p.size() == 1 && method == verb::post) {
    create(api, c);
  } else if (p.size() == 1 && method == verb::get) {
    list(api, c);
  } else if (p.size() == 2 && method == verb::get) {
    ask<server_group_list>(
      api, c, server_group_request{c->ctx, server_group_op::show, p[1], {},
                                   false, -1, 0},
      [c](server_group_list& l) {
        reply_json(c, 200, json::object{{"server_group",
                                         server_group_view(l.items.front(), c->version)}});
      });
  } else if (p.size() == 2 && method == verb::delete_) {
    ask<server_group_list>(
      api, c, server_group_request{c->ctx, server_group_op::remove, p[1], {},
                                   false, -1, 0},
      [c](server_group_list&) { reply_empty(c, 204); });
  } else if (p.size() <= 2) {
    reply_bad_method(c);
  } else {
    reply_no_route(c);
  }
}

void reply_server(compute_api& api, const call_ptr& c, json::object server) {
  if (c->version < v2_71) {
    reply_json(c, 200, json::object{{"server", std::move(server)}});
    return;
  }
  std::string id{server.at("id").as_string().c_str()};
  ask<server_group_list>(
    api, c, server_group_request{c->ctx, server_group_op::of_server, id, {},
                                 false, -1, 0},
    [c, server = std::move(server)](server_group_list& l) mutable {
      json::array ids;
      for (auto& g : l.items)
        ids.emplace_back(g.id);
      server["server_groups"] = std::move(ids);
      reply_json(c, 200, json::object{{"server", std::move(server)}});
    });
}

} // namespace vmforge::http
