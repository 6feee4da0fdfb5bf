// os-hosts (admins, until microversion 2.42; 404 from 2.43): the hosts of
// the services, a compute host's resources, and the update and power
// actions, which Nova's libvirt driver does not implement (501).
#include <map>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object resource(const std::string& host, const std::string& project,
                      int64_t cpu, int64_t memory_mb, int64_t disk_gb) {
  return json::object{{"resource", json::object{{"host", host},
                                                {"project", project},
                                                {"cpu", cpu},
                                                {"memory_mb", memory_mb},
                                                {"disk_gb", disk_gb}}}};
}

const host_view* find_host(const host_view_list& l, const std::string& name) {
  for (auto& h : l.items)
    if (h.host == name)
      return &h;
  return nullptr;
}

void reply_unknown_host(const call_ptr& c, const std::string& host) {
  // HostMappingNotFound: a host no compute service runs on.
  reply_error(c, 404, "Host '" + host + "' is not mapped to any cell");
}

// Nova's index: the services' hosts, disabled ones left out (its filter),
// the control services in zone "internal".
void index(compute_api& api, const call_ptr& c) {
  ask<host_view_list>(api, c, list_services{c->ctx}, [c](host_view_list& l) {
    json::array out;
    auto add = [&](const std::string& host, const char* service,
                   const std::string& zone) {
      if (c->has_param("zone") && c->param("zone") != zone)
        return;
      out.push_back(json::object{
        {"host_name", host}, {"service", service}, {"zone", zone}});
    };
    add("vmforge", "scheduler", "internal");
    add("vmforge", "conductor", "internal");
    for (auto& h : l.items)
      if (h.enabled)
        add(h.host, "compute", h.availability_zone);
    reply_json(c, 200, json::object{{"hosts", std::move(out)}});
  });
}

// Nova's show: the host's total, what it uses now, what its instances'
// flavors add up to, and that by project.
void show(compute_api& api, const call_ptr& c, const std::string& name) {
  ask<host_view_list>(api, c, list_services{c->ctx},
                      [&api, c, name](host_view_list& l) {
    auto h = find_host(l, name);
    if (h == nullptr) {
      reply_unknown_host(c, name);
      return;
    }
    auto node = *h;
    ask<instance_list>(api, c, host_instances{c->ctx, name},
                       [c, name, node](instance_list& rows) {
      json::array out{resource(name, "(total)", node.capacity.vcpus,
                               node.capacity.ram_mb, node.capacity.disk_gb),
                      resource(name, "(used_now)", node.used.vcpus,
                               node.used.ram_mb, node.used.disk_gb)};
      resources sum;
      std::map<std::string, resources> by_project;
      for (auto& r : rows.items) {
        resources used{r.flavor_.vcpus, r.flavor_.ram_mb,
                       r.flavor_.disk_gb + r.flavor_.ephemeral_gb};
        sum += used;
        by_project[r.project_id] += used;
      }
      out.push_back(resource(name, "(used_max)", sum.vcpus, sum.ram_mb,
                             sum.disk_gb));
      for (auto& [project, used] : by_project)
        out.push_back(resource(name, project, used.vcpus, used.ram_mb,
                               used.disk_gb));
      reply_json(c, 200, json::object{{"host", std::move(out)}});
    });
  });
}

bool enable_or_disable(const json::value& v) {
  static const char* const allowed[] = {"enable", "disable", "Enable",
                                        "Disable", "ENABLE", "DISABLE"};
  if (!v.is_string())
    return false;
  for (auto a : allowed)
    if (v.as_string() == a)
      return true;
  return false;
}

// Nova's update schema: status and/or maintenance_mode, nothing else.
bool valid_update(const call_ptr& c, const json::object& body) {
  if (body.empty()) {
    reply_error(c, 400, "Invalid input for field/attribute . Value: {}. {} "
                        "is not valid under any of the given schemas");
    return false;
  }
  for (auto& kv : body) {
    std::string key{kv.key()};
    if (key != "status" && key != "maintenance_mode") {
      reply_error(c, 400, "Additional properties are not allowed ('" + key
                            + "' was unexpected)");
      return false;
    }
    if (!enable_or_disable(kv.value())) {
      reply_error(c, 400, "Invalid input for field/attribute " + key
                            + ". Value: " + json::serialize(kv.value()) + ". "
                            + json::serialize(kv.value())
                            + " is not one of ['enable', 'disable', "
                              "'Enable', 'Disable', 'ENABLE', 'DISABLE']");
      return false;
    }
  }
  return true;
}

// The host's part, once the host is known: Nova's libvirt driver has no
// set_host_enabled, host_maintenance_mode or host_power_action.
void not_supported(compute_api& api, const call_ptr& c,
                   const std::string& name) {
  ask<host_view_list>(api, c, list_services{c->ctx},
                      [c, name](host_view_list& l) {
    if (find_host(l, name) == nullptr)
      reply_unknown_host(c, name);
    else
      reply_error(c, 501, "The requested functionality is not supported.");
  });
}

bool is_power_action(const std::string& s) {
  return s == "startup" || s == "shutdown" || s == "reboot";
}

} // namespace

void route_hosts(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  auto method = c->req.method();
  if (c->version >= api_version{2, 43} || p.size() > 3
      || (p.size() == 3 && !is_power_action(p[2]))) {
    reply_no_route(c);
    return;
  }
  auto verb_ok = p.size() == 2 ? method == verb::get || method == verb::put
                               : method == verb::get;
  if (!verb_ok) {
    reply_bad_method(c);
    return;
  }
  if (!c->ctx.is_admin) {
    const char* action = p.size() == 1   ? "list"
                         : p.size() == 3 ? (p[2] == "startup" ? "start"
                                                              : p[2].c_str())
                         : method == verb::put ? "update"
                                               : "show";
    reply_error(c, 403, std::string{"Policy doesn't allow os_compute_api:"
                                    "os-hosts:"}
                          + action + " to be performed.");
    return;
  }
  if (p.size() == 1) {
    index(api, c);
  } else if (p.size() == 2 && method == verb::get) {
    show(api, c, p[1]);
  } else if (p.size() == 2) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body || !valid_update(c, *body))
      return;
    not_supported(api, c, p[1]);
  } else {
    not_supported(api, c, p[1]);
  }
}

} // namespace vmforge::http
