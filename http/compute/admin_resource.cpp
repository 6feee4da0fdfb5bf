// os-quota-sets and os-quota-class-sets.
#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

// The quota resources a microversion shows (network ones left at 2.36,
// file injection ones at 2.57).
std::vector<std::string> quota_keys(api_version v) {
  std::vector<std::string> keys{"instances",      "cores",
                                "ram",            "metadata_items",
                                "key_pairs",      "server_groups",
                                "server_group_members"};
  if (v < api_version{2, 36})
    for (auto k : {"fixed_ips", "floating_ips", "security_groups",
                   "security_group_rules"})
      keys.push_back(k);
  if (v < api_version{2, 57})
    for (auto k : {"injected_files", "injected_file_content_bytes",
                   "injected_file_path_bytes"})
      keys.push_back(k);
  return keys;
}

json::object quota_body(const call_ptr& c, const quota_set_info& q,
                        const std::string& id, bool detail) {
  json::object out;
  if (!id.empty())
    out["id"] = id;
  for (auto& key : quota_keys(c->version)) {
    auto i = q.limits.find(key);
    auto limit = i == q.limits.end() ? -1 : i->second;
    if (detail) {
      auto u = q.in_use.find(key);
      out[key] = json::object{{"limit", limit},
                              {"in_use", u == q.in_use.end() ? 0 : u->second},
                              {"reserved", 0}};
    } else {
      out[key] = limit;
    }
  }
  return out;
}

// The body of a quota update: known keys with integers >= -1, and "force".
bool parse_quota_update(const call_ptr& c, const char* wrapper,
                        std::map<std::string, int64_t>& values) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return false;
  auto qs = body->if_contains(wrapper);
  if (qs == nullptr || !qs->is_object() || body->size() != 1) {
    reply_error(c, 400, std::string{"Invalid input for field/attribute "}
                          + wrapper + ". '" + wrapper
                          + "' is a required property");
    return false;
  }
  auto keys = quota_keys(c->version);
  for (auto& kv : qs->as_object()) {
    std::string key{kv.key()};
    if (key == "force") {
      if (!kv.value().is_bool()) {
        reply_error(c, 400, "Invalid input for field/attribute force.");
        return false;
      }
      continue;
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      reply_error(c, 400, "Additional properties are not allowed ('" + key
                            + "' was unexpected)");
      return false;
    }
    auto& v = kv.value();
    int64_t n = 0;
    if (v.is_int64()) {
      n = v.as_int64();
    } else if (v.is_string() && !v.as_string().empty()
               && std::all_of(v.as_string().begin(), v.as_string().end(),
                              [](char ch) {
                                return std::isdigit(
                                         static_cast<unsigned char>(ch))
                                       || ch == '-';
                              })) {
      n = std::stoll(std::string{v.as_string().c_str()});
    } else {
      reply_error(c, 400, "Invalid input for field/attribute " + key
                            + ". Value: " + json::serialize(v)
                            + ". Not an integer");
      return false;
    }
    if (n < -1 || n > 0x7FFFFFFF) {
      reply_error(c, 400, "Invalid input for field/attribute " + key
                            + ". Value: " + std::to_string(n)
                            + ". It must be between -1 and 2147483647");
      return false;
    }
    values[key] = n;
  }
  return true;
}

} // namespace

void route_quota_sets(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  if (p.size() < 2 || p.size() > 3) {
    reply_no_route(c);
    return;
  }
  auto project = p[1];
  auto user = c->param("user_id");
  if (p.size() == 3 && (p[2] == "detail" || p[2] == "defaults")
      && method == verb::get) {
    bool detail = p[2] == "detail";
    ask<quota_set_info>(api, c,
                        get_quota_set{c->ctx, project, user, !detail, {}},
                        [c, project, detail](quota_set_info& q) {
      reply_json(c, 200,
                 json::object{{"quota_set", quota_body(c, q, project, detail)}});
    });
    return;
  }
  if (p.size() == 3) {
    reply_no_route(c);
    return;
  }
  if (method == verb::get) {
    ask<quota_set_info>(api, c, get_quota_set{c->ctx, project, user, false, {}},
                        [c, project](quota_set_info& q) {
      reply_json(c, 200,
                 json::object{{"quota_set", quota_body(c, q, project, false)}});
    });
  } else if (method == verb::put) {
    update_quota_set req{c->ctx, project, user, {}, {}};
    if (!parse_quota_update(c, "quota_set", req.values))
      return;
    ask<quota_set_info>(api, c, std::move(req), [c](quota_set_info& q) {
      reply_json(c, 200, json::object{{"quota_set", quota_body(c, q, {}, false)}});
    });
  } else if (method == verb::delete_) {
    ask<accepted>(api, c, delete_quota_set{c->ctx, project},
                  [c](accepted&) { reply_empty(c, 202); });
  } else {
    reply_bad_method(c);
  }
}

void route_quota_class_sets(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  if (p.size() != 2) {
    reply_no_route(c);
    return;
  }
  auto name = p[1];
  if (c->req.method() == verb::get) {
    if (!c->ctx.is_admin) {
      reply_error(c, 403, "Policy doesn't allow "
                          "os_compute_api:os-quota-class-sets:show to be "
                          "performed.");
      return;
    }
    ask<quota_set_info>(api, c,
                        get_quota_set{c->ctx, c->ctx.project_id, {}, false,
                                      name},
                        [c, name](quota_set_info& q) {
      reply_json(c, 200, json::object{{"quota_class_set",
                                       quota_body(c, q, name, false)}});
    });
  } else if (c->req.method() == verb::put) {
    update_quota_set req{c->ctx, {}, {}, name, {}};
    if (!parse_quota_update(c, "quota_class_set", req.values))
      return;
    ask<quota_set_info>(api, c, std::move(req), [c](quota_set_info& q) {
      reply_json(c, 200, json::object{{"quota_class_set",
                                       quota_body(c, q, {}, false)}});
    });
  } else {
    reply_bad_method(c);
  }
}

} // namespace vmforge::http
