// Flavors and limits: the read-mostly catalog of the Compute API (images:
// images_resource.cpp).
#include <algorithm>
#include <set>

#include "http/compute/ask.hpp"

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
    return false;
  };
  auto integer = [&](const char* field, int64_t& out, int64_t min,
                     bool required) {
    auto v = in.if_contains(field);
    if (v == nullptr)
      return !required || bad(field);
    if (v->is_int64())
      out = v->as_int64();
    else if (v->is_string() && !v->as_string().empty()
             && std::all_of(v->as_string().begin(), v->as_string().end(),
                            ::isdigit))
      out = std::stoll(std::string{v->as_string().c_str()});
    else
      return bad(field);
    return out >= min && out <= 0x7FFFFFFF ? true : bad(field);
  };
  for (auto& kv : in) {
    static const std::set<std::string> allowed{
      "name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral",
      "swap", "rxtx_factor", "os-flavor-access:is_public"};
    if (allowed.count(std::string{kv.key()}) == 0) {
      reply_error(c, 400, "Additional properties are not allowed ('"
                            + std::string{kv.key()} + "' was unexpected)");
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
  if (auto id = in.if_contains("id"); id && !id->is_null()) {
    if (!id->is_string() || id->as_string().empty()
        || id->as_string().size() > 255) {
      bad("id");
      return;
    }
    f.id = id->as_string().c_str();
  }
  if (!integer("ram", f.ram_mb, 1, true) || !integer("vcpus", f.vcpus, 1, true)
      || !integer("disk", f.disk_gb, 0, true)
      || !integer("OS-FLV-EXT-DATA:ephemeral", f.ephemeral_gb, 0, false))
    return;
  if (auto swap = in.if_contains("swap");
      swap && !(swap->is_string() && swap->as_string().empty())
      && !integer("swap", f.swap_mb, 0, false))
    return;
  if (auto pub = in.if_contains("os-flavor-access:is_public")) {
    if (!pub->is_bool()) {
      bad("os-flavor-access:is_public");
      return;
    }
    f.is_public = pub->as_bool();
  }
  ask<flavor>(api, c, std::move(req), [c](flavor& created) {
    reply_json(c, 200, json::object{{"flavor", flavor_detail(created, c->base)}});
  });
}

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
  if (!is_get(c))
    return;
  if (p.size() == 3 && p[2] == "os-extra_specs") {
    // Flavors carry no extra specs (yet); clients such as the openstack CLI
    // ask for them with every flavor.
    auto id = p[1];
    ask<flavor_list>(api, c, list_flavors{c->ctx}, [c, id](flavor_list& l) {
      for (auto& f : l.items)
        if (f.id == id) {
          reply_json(c, 200, json::object{{"extra_specs", json::object{}}});
          return;
        }
      reply_error(c, 404, "Flavor " + id + " could not be found.");
    });
    return;
  }
  if (p.size() > 2) {
    reply_no_route(c);
    return;
  }
  bool detail = p.size() == 2 && p[1] == "detail";
  std::string id = p.size() == 2 && !detail ? p[1] : std::string{};
  int64_t min_ram = 0;
  int64_t min_disk = 0;
  if (!int_param(c, "minRam", min_ram) || !int_param(c, "minDisk", min_disk))
    return;
  ask<flavor_list>(api, c, list_flavors{c->ctx},
                   [c, detail, id, min_ram, min_disk](flavor_list& l) {
    if (!id.empty()) {
      for (auto& f : l.items)
        if (f.id == id) {
          reply_json(c, 200,
                     json::object{{"flavor", flavor_detail(f, c->base)}});
          return;
        }
      reply_error(c, 404, "Flavor " + id + " could not be found.");
      return;
    }
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
      out.push_back(detail ? flavor_detail(f, c->base)
                           : flavor_brief(f, c->base));
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
