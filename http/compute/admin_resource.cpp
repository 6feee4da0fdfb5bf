// os-quota-sets, os-quota-class-sets and os-hypervisors.
#include <fstream>

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

// Linux `uptime` style, as libvirt hosts report it, for this process's host.
std::string host_uptime() {
  std::ifstream in{"/proc/uptime"};
  double secs = 0;
  in >> secs;
  auto total = static_cast<long>(secs);
  char buf[96];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::snprintf(buf, sizeof(buf), " %02d:%02d:%02d up %ld days, %2ld:%02ld",
                tm.tm_hour, tm.tm_min, tm.tm_sec, total / 86400,
                (total % 86400) / 3600, (total % 3600) / 60);
  return buf;
}

json::object hypervisor_brief(const hypervisor_info& h) {
  return {{"id", h.id},
          {"hypervisor_hostname", h.host},
          {"state", h.up ? "up" : "down"},
          {"status", h.enabled ? "enabled" : "disabled"}};
}

json::object hypervisor_detail(const call_ptr& c, const hypervisor_info& h) {
  auto out = hypervisor_brief(h);
  out["hypervisor_type"] = h.type;
  out["hypervisor_version"] = 1000;
  out["host_ip"] = "127.0.0.1";
  out["service"] = json::object{
    {"host", h.host},
    {"id", h.id},
    {"disabled_reason", h.disabled_reason.empty()
                          ? json::value(nullptr)
                          : json::value(h.disabled_reason)}};
  out["vcpus"] = h.capacity.vcpus;
  out["memory_mb"] = h.capacity.ram_mb;
  out["local_gb"] = h.capacity.disk_gb;
  out["vcpus_used"] = h.used.vcpus;
  out["memory_mb_used"] = h.used.ram_mb;
  out["local_gb_used"] = h.used.disk_gb;
  out["free_ram_mb"] = h.capacity.ram_mb - h.used.ram_mb;
  out["free_disk_gb"] = h.capacity.disk_gb - h.used.disk_gb;
  out["current_workload"] = 0;
  out["running_vms"] = static_cast<int64_t>(h.servers.size());
  out["disk_available_least"] = h.capacity.disk_gb - h.used.disk_gb;
  // A JSON string before 2.28, an object from it on.
  json::object cpu{{"arch", "x86_64"},
                   {"model", "fake"},
                   {"vendor", "vmforge"},
                   {"topology",
                    json::object{{"cores", 1}, {"threads", 1}, {"sockets", 1}}},
                   {"features", json::array{}}};
  if (c->version >= api_version{2, 28})
    out["cpu_info"] = std::move(cpu);
  else
    out["cpu_info"] = json::serialize(cpu);
  return out;
}

const hypervisor_info* find_hypervisor(const hypervisor_list& l,
                                       const std::string& id) {
  for (auto& h : l.items)
    if (std::to_string(h.id) == id)
      return &h;
  return nullptr;
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

void route_hypervisors(compute_api& api, const call_ptr& c) {
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  auto p = c->path;
  ask<hypervisor_list>(api, c, list_hypervisors{c->ctx},
                       [c, p](hypervisor_list& l) {
    if (p.size() == 1 || (p.size() == 2 && p[1] == "detail")) {
      json::array out;
      for (auto& h : l.items)
        out.push_back(p.size() == 1 ? hypervisor_brief(h)
                                    : hypervisor_detail(c, h));
      reply_json(c, 200, json::object{{"hypervisors", std::move(out)}});
      return;
    }
    if (p.size() == 2 && p[1] == "statistics") {
      json::object s{{"count", static_cast<int64_t>(l.items.size())}};
      int64_t vcpus = 0, mem = 0, disk = 0, vu = 0, mu = 0, du = 0, vms = 0;
      for (auto& h : l.items) {
        vcpus += h.capacity.vcpus;
        mem += h.capacity.ram_mb;
        disk += h.capacity.disk_gb;
        vu += h.used.vcpus;
        mu += h.used.ram_mb;
        du += h.used.disk_gb;
        vms += static_cast<int64_t>(h.servers.size());
      }
      s["vcpus"] = vcpus;
      s["memory_mb"] = mem;
      s["local_gb"] = disk;
      s["vcpus_used"] = vu;
      s["memory_mb_used"] = mu;
      s["local_gb_used"] = du;
      s["free_ram_mb"] = mem - mu;
      s["free_disk_gb"] = disk - du;
      s["current_workload"] = 0;
      s["running_vms"] = vms;
      s["disk_available_least"] = disk - du;
      reply_json(c, 200, json::object{{"hypervisor_statistics", std::move(s)}});
      return;
    }
    if (p.size() == 3 && (p[2] == "search" || p[2] == "servers")) {
      // {pattern}/search and {pattern}/servers: hosts whose name contains it.
      json::array out;
      for (auto& h : l.items) {
        if (h.host.find(p[1]) == std::string::npos)
          continue;
        auto item = hypervisor_brief(h);
        if (p[2] == "servers" && !h.servers.empty()) {
          json::array servers;
          for (auto& s : h.servers)
            servers.push_back(json::object{{"uuid", s.first}, {"name", s.second}});
          item["servers"] = std::move(servers);
        }
        out.push_back(std::move(item));
      }
      if (out.empty()) {
        reply_error(c, 404, "No hypervisor matching '" + p[1]
                              + "' could be found.");
        return;
      }
      reply_json(c, 200, json::object{{"hypervisors", std::move(out)}});
      return;
    }
    auto h = p.size() >= 2 ? find_hypervisor(l, p[1]) : nullptr;
    if (h == nullptr) {
      reply_error(c, 404, "Hypervisor with ID '" + (p.size() >= 2 ? p[1] : "")
                            + "' could not be found.");
      return;
    }
    if (p.size() == 2) {
      reply_json(c, 200, json::object{{"hypervisor", hypervisor_detail(c, *h)}});
    } else if (p.size() == 3 && p[2] == "uptime") {
      auto out = hypervisor_brief(*h);
      out["uptime"] = host_uptime();
      reply_json(c, 200, json::object{{"hypervisor", std::move(out)}});
    } else {
      reply_no_route(c);
    }
  });
}

} // namespace vmforge::http
