// Flavors, images and limits: the read-mostly catalog of the Compute API.
#include <algorithm>

#include "http/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

bool is_get(const call_ptr& c) {
  if (c->req.method() == beast_http::verb::get)
    return true;
  reply_error(c, 405, "The method is not allowed for this resource.");
  return false;
}

// Nova's limit/marker pagination over an id-sorted list; false if it
// answered an error.
template <class T>
bool paginate(const call_ptr& c, std::vector<T>& items) {
  if (c->has_param("marker")) {
    auto marker = c->param("marker");
    auto i = std::find_if(items.begin(), items.end(),
                          [&](const T& x) { return x.id == marker; });
    if (i == items.end()) {
      reply_error(c, 400, "marker [" + marker + "] not found");
      return false;
    }
    items.erase(items.begin(), i + 1);
  }
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

void route_flavors(compute_api& api, const call_ptr& c) {
  if (!is_get(c))
    return;
  auto& p = c->path;
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
    reply_error(c, 404, "The resource could not be found.");
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

void route_images(compute_api& api, const call_ptr& c) {
  if (!is_get(c))
    return;
  auto& p = c->path;
  if (p.size() > 2) {
    reply_error(c, 404, "The resource could not be found.");
    return;
  }
  bool detail = p.size() == 2 && p[1] == "detail";
  std::string id = p.size() == 2 && !detail ? p[1] : std::string{};
  ask<image_list>(api, c, list_images{c->ctx}, [c, detail, id](image_list& l) {
    if (!id.empty()) {
      for (auto& i : l.items)
        if (i.id == id) {
          reply_json(c, 200, json::object{{"image", image_detail(i, c->base)}});
          return;
        }
      reply_error(c, 404, "Image not found.");
      return;
    }
    auto items = l.items;
    if (c->has_param("name"))
      items.erase(std::remove_if(items.begin(), items.end(),
                                 [&](const image& i) {
                                   return i.name != c->param("name");
                                 }),
                  items.end());
    if (!paginate(c, items))
      return;
    json::array out;
    for (auto& i : items)
      out.push_back(detail ? image_detail(i, c->base) : image_brief(i, c->base));
    reply_json(c, 200, json::object{{"images", std::move(out)}});
  });
}

void route_limits(compute_api& api, const call_ptr& c) {
  if (!is_get(c))
    return;
  if (c->path.size() != 1) {
    reply_error(c, 404, "The resource could not be found.");
    return;
  }
  ask<project_limits>(api, c, get_limits{c->ctx}, [c](project_limits& l) {
    json::object absolute{
      {"maxServerMeta", l.max_metadata_items},
      {"maxPersonality", 5},
      {"maxPersonalitySize", 10240},
      {"maxTotalKeypairs", 100},
      {"maxServerGroups", 10},
      {"maxServerGroupMembers", 10},
      {"maxTotalCores", l.max_cores},
      {"maxTotalInstances", l.max_instances},
      {"maxTotalRAMSize", l.max_ram_mb},
      {"maxImageMeta", 128},
      {"totalCoresUsed", l.cores_used},
      {"totalInstancesUsed", l.instances_used},
      {"totalRAMUsed", l.ram_mb_used},
      {"totalServerGroupsUsed", 0},
    };
    // Network quotas left the API at 2.36.
    if (c->version < api_version{2, 36}) {
      absolute["maxSecurityGroupRules"] = 20;
      absolute["maxSecurityGroups"] = 10;
      absolute["maxTotalFloatingIps"] = 10;
      absolute["totalFloatingIpsUsed"] = 0;
      absolute["totalSecurityGroupsUsed"] = l.security_groups_used;
    }
    reply_json(c, 200,
               json::object{{"limits", json::object{{"rate", json::array{}},
                                                    {"absolute", absolute}}}});
  });
}

} // namespace vmforge::http
