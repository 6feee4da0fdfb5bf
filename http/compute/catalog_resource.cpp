// Flavors and limits: the read-mostly catalog of the Compute API (images:
// images_resource.cpp).
#include <algorithm>
#include <set>

#include "http/compute/ask.hpp"
#include "http/compute/server_schema.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

bool is_get(const call_ptr& c) {
  if (c->req.method() == beast_http::verb::get)
    return true;
  reply_bad_method(c);
  return false;
}

// Nova's limit/marker pagination over an id-sorted list; false if it
// answered an error.
template <class T>
bool paginate(const call_ptr& c, std::vector<T>& items) {
  auto after = after_marker(c, items, [](const T& x) { return x.id; });
  if (!after) {
    reply_error(c, 400, "marker [" + c->param("marker") + "] not found");
    return false;
  }
  items.erase(items.begin(),
              items.begin() + static_cast<std::ptrdiff_t>(*after));
  if (c->has_param("limit")) {
    auto text = c->param("limit");
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) {
      reply_error(c, 400, "limit param must be an integer");
      return false;
    }
    auto limit = std::stoul(text);
    if (items.size() > limit)
      items.resize(limit);
  }
  return true;
}

bool int_param(const call_ptr& c, const char* name, int64_t& out) {
  if (!c->has_param(name))
    return true;
  auto text = c->param(name);
  if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) {
    reply_error(c, 400, std::string{"Invalid "} + name + " filter ["
                          + text + "]");
    return false;
  }
  out = std::stoll(text);
  return true;
}

// Nova's parameter_types.flavor_param_*: an integer or a string of one.
bool flavor_integer(const json::object& in, const char* field, int64_t& out,
                    int64_t min, bool required) {
  auto v = in.if_contains(field);
  if (v == nullptr)
    return !required;
  if (v->is_int64())
    out = v->as_int64();
  else if (v->is_string() && !v->as_string().empty()
           && v->as_string().size() <= 18
           && std::all_of(v->as_string().begin(), v->as_string().end(),
                          ::isdigit))
    out = std::stoll(std::string{v->as_string().c_str()});
  else
    return false;
  return out >= min && out <= 0x7FFFFFFF;
}

// Nova's flavor id: a string or number matching ^(?! )[a-zA-Z0-9. _-]+(?<! )$
// (a number is taken as its text), or null for a generated UUID.
bool flavor_id(const json::value& v, std::string& out) {
  if (v.is_int64())
    out = std::to_string(v.as_int64());
  else if (v.is_string())
    out = v.as_string().c_str();
  else
    return false;
  return !out.empty() && out.size() <= 255 && out.front() != ' '
         && out.back() != ' '
         && std::all_of(out.begin(), out.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.'
                     || ch == ' ' || ch == '_' || ch == '-';
            });
}

// Nova's _flavor_description: a string (up to 65535) or null.
bool flavor_description(const json::value& v, flavor& f) {
  if (v.is_null()) {
    f.has_description = false;
    f.description.clear();
    return true;
  }
  if (!v.is_string() || v.as_string().size() > 65535)
    return false;
  f.has_description = true;
  f.description = v.as_string().c_str();
  return true;
}

} // namespace

// POST /flavors: Nova's flavor-manage schema.
void create_flavor_call(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = json_body(c, storage);
  if (!body)
    return;
  auto fv = body->if_contains("flavor");
  if (fv == nullptr || !fv->is_object()) {
    reply_error(c, 400, "Invalid input for field/attribute flavor. 'flavor' "
                        "is a required property");
    return;
  }
  auto& in = fv->as_object();
  create_flavor req;
  req.ctx = c->ctx;
  auto& f = req.flavor_;
  auto bad = [&](const std::string& field) {
    reply_error(c, 400, "Invalid input for field/attribute " + field + ".");
  };
  auto with_description = c->version >= api_version{2, 55};
  for (auto& kv : in) {
    static const std::set<std::string> allowed{
      "name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral",
      "swap", "rxtx_factor", "os-flavor-access:is_public"};
    std::string key{kv.key()};
    if (allowed.count(key) == 0 && !(with_description && key == "description")) {
      reply_error(c, 400, "Additional properties are not allowed ('" + key
                            + "' was unexpected)");
      return;
    }
  }
  auto name = in.if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()
      || name->as_string().size() > 255 || name->as_string().front() == ' '
      || name->as_string().back() == ' ') {
    bad("name");
    return;
  }
  f.name = name->as_string().c_str();
  if (auto id = in.if_contains("id"); id && !id->is_null()
                                      && !flavor_id(*id, f.id)) {
    bad("id");
    return;
  }
  static const std::pair<const char*, int64_t> sizes[] = {
    {"ram", 1}, {"vcpus", 1}, {"disk", 0}, {"OS-FLV-EXT-DATA:ephemeral", 0}};
  int64_t* fields[] = {&f.ram_mb, &f.vcpus, &f.disk_gb, &f.ephemeral_gb};
  for (size_t i = 0; i < std::size(sizes); ++i)
    if (!flavor_integer(in, sizes[i].first, *fields[i], sizes[i].second,
                        i < 3)) {
      bad(sizes[i].first);
      return;
    }
  if (auto swap = in.if_contains("swap");
      swap && !(swap->is_string() && swap->as_string().empty())
      && !flavor_integer(in, "swap", f.swap_mb, 0, false)) {
    bad("swap");
    return;
  }
  // Accepted as Nova's schema has it; every flavor shows 1.0 (no QoS).
  if (auto rx = in.if_contains("rxtx_factor");
      rx && !((rx->is_number() && rx->to_number<double>() > 0)
              || (rx->is_string() && !rx->as_string().empty()))) {
    bad("rxtx_factor");
    return;
  }
  if (auto pub = in.if_contains("os-flavor-access:is_public")) {
    std::string error;
    if (!bool_field(*pub, "os-flavor-access:is_public", f.is_public, error)) {
      reply_error(c, 400, error);
      return;
    }
  }
  if (auto d = in.if_contains("description");
      d && with_description && !flavor_description(*d, f)) {
    bad("description");
    return;
  }
  ask<flavor>(api, c, std::move(req), [c](flavor& created) {
    reply_json(c, 200, json::object{{"flavor", flavor_detail(created, c->base,
                                                             c->version)}});
  });
}

// PUT /flavors/{id} (2.55): only the description changes.
void update_flavor_call(compute_api& api, const call_ptr& c) {
  json::value storage;
  auto body = allowed_json_body(c, c->version >= api_version{2, 55}, storage);
  if (!body)
    return;
  auto fv = body->if_contains("flavor");
  flavor f;
  if (fv == nullptr || !fv->is_object() || fv->as_object().size() != 1
      || !fv->as_object().contains("description")
      || !flavor_description(fv->as_object().at("description"), f)) {
    reply_error(c, 400, "Invalid input for field/attribute flavor.");
    return;
  }
  flavor_request req{c->ctx, flavor_op::update_description, c->path[1], {},
                     {}, f.description};
  ask<flavor_access>(api, c, std::move(req), [c](flavor_access& a) {
    reply_json(c, 200, json::object{{"flavor", flavor_detail(a.flavor_, c->base,
                                                             c->version)}});
  });
}

namespace {

// Nova's _parse_is_public: absent is public only, none/None all, else a
// strict boolean.
bool visibility_param(const call_ptr& c, flavor_visibility& out) {
  if (!c->has_param("is_public"))
    return true;
  auto text = c->param("is_public");
  std::string lower;
  for (auto ch : text)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::set<std::string> yes{"1", "t", "true", "on", "y", "yes"};
  static const std::set<std::string> no{"0", "f", "false", "off", "n", "no"};
  if (lower == "none")
    out = flavor_visibility::all;
  else if (yes.count(lower) != 0)
    out = flavor_visibility::public_only;
  else if (no.count(lower) != 0)
    out = flavor_visibility::private_only;
  else {
    reply_error(c, 400, "Invalid is_public filter [" + text + "]");
    return false;
  }
  return true;
}

} // namespace

void route_flavors(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  if (p.size() == 1 && c->req.method() == verb::post) {
    create_flavor_call(api, c);
    return;
  }
  if (p.size() == 2 && c->req.method() == verb::delete_) {
    ask<accepted>(api, c, delete_flavor{c->ctx, p[1]},
                  [c](accepted&) { reply_empty(c, 202); });
    return;
  }
  if (p.size() == 2 && p[1] != "detail" && c->req.method() == verb::put) {
    update_flavor_call(api, c);
    return;
  }
  if (p.size() >= 3 && p[2] == "os-extra_specs") {
    route_flavor_extra_specs(api, c);
    return;
  }
  if (p.size() == 3 && (p[2] == "os-flavor-access" || p[2] == "action")) {
    route_flavor_access(api, c);
    return;
  }
  if (!is_get(c))
    return;
  if (p.size() > 2) {
    reply_no_route(c);
    return;
  }
  bool detail = p.size() == 2 && p[1] == "detail";
  if (p.size() == 2 && !detail) {
    auto id = p[1];
    ask<flavor_list>(api, c, list_flavors{c->ctx, flavor_visibility::all},
                     [c, id](flavor_list& l) {
      for (auto& f : l.items)
        if (f.id == id) {
          reply_json(c, 200, json::object{{"flavor", flavor_detail(
                                                       f, c->base,
                                                       c->version)}});
          return;
        }
      reply_error(c, 404, "Flavor " + id + " could not be found.");
    });
    return;
  }
  int64_t min_ram = 0;
  int64_t min_disk = 0;
  auto visibility = flavor_visibility::public_only;
  if (!int_param(c, "minRam", min_ram) || !int_param(c, "minDisk", min_disk)
      || !visibility_param(c, visibility))
    return;
  ask<flavor_list>(api, c, list_flavors{c->ctx, visibility},
                   [c, detail, min_ram, min_disk](flavor_list& l) {
    std::vector<flavor> items;
    for (auto& f : l.items)
      if (f.ram_mb >= min_ram && f.disk_gb >= min_disk)
        items.push_back(f);
    std::sort(items.begin(), items.end(),
              [](const flavor& x, const flavor& y) { return x.id < y.id; });
    if (!paginate(c, items))
      return;
    json::array out;
    for (auto& f : items)
      out.push_back(detail ? flavor_detail(f, c->base, c->version)
                           : flavor_brief(f, c->base, c->version));
    reply_json(c, 200, json::object{{"flavors", std::move(out)}});
  });
}

void route_limits(compute_api& api, const call_ptr& c) {
  if (!is_get(c))
    return;
  if (c->path.size() != 1) {
    reply_no_route(c);
    return;
  }
  ask<project_limits>(api, c, get_limits{c->ctx}, [c](project_limits& l) {
    json::object absolute{
      {"maxServerMeta", l.max_metadata_items},
      {"maxPersonality", 5},
      {"maxPersonalitySize", 10240},
      {"maxTotalKeypairs", 100},
      {"maxServerGroups", l.max_server_groups},
      {"maxServerGroupMembers", l.max_server_group_members},
      {"maxTotalCores", l.max_cores},
      {"maxTotalInstances", l.max_instances},
      {"maxTotalRAMSize", l.max_ram_mb},
      {"maxImageMeta", 128},
      {"totalCoresUsed", l.cores_used},
      {"totalInstancesUsed", l.instances_used},
      {"totalRAMUsed", l.ram_mb_used},
      {"totalServerGroupsUsed", l.server_groups_used},
    };
    // Network quotas left the API at 2.36.
    if (c->version < api_version{2, 36}) {
      absolute["maxSecurityGroupRules"] = 20;
      absolute["maxSecurityGroups"] = 10;
      absolute["maxTotalFloatingIps"] = 10;
      absolute["totalFloatingIpsUsed"] = 0;
      absolute["totalSecurityGroupsUsed"] = l.security_groups_used;
    }
    // limits.py: the image metadata proxy's limit left at 2.39, file
    // injection's at 2.57.
    if (c->version >= api_version{2, 39})
      absolute.erase("maxImageMeta");
    if (c->version >= api_version{2, 57}) {
      absolute.erase("maxPersonality");
      absolute.erase("maxPersonalitySize");
    }
    reply_json(c, 200,
               json::object{{"limits", json::object{{"rate", json::array{}},
                                                    {"absolute", absolute}}}});
  });
}

} // namespace vmforge::http
