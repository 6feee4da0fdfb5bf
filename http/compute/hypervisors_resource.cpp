// os-hypervisors (admin): the compute hosts as Nova's compute nodes.
#include <ctime>
#include <fstream>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "http/compute/host_ids.hpp"
#include "http/compute/hypervisors_view.hpp"
#include "http/compute/query_schema.hpp"
#include "util/uuid.hpp"

namespace vmforge::http {

namespace json = boost::json;

json::object hypervisor_view(api_version v, const hypervisor_info& h,
                             const hypervisor_shown& shown) {
  auto uuids = v >= api_version{2, 53};
  json::object out{
    {"id", uuids ? json::value(compute_node_uuid(h.host)) : json::value(h.id)},
    {"hypervisor_hostname", h.host},
    {"state", h.up ? "up" : "down"},
    {"status", h.enabled ? "enabled" : "disabled"}};
  if (shown.detail) {
    out["hypervisor_type"] = h.type;
    out["hypervisor_version"] = 1000;
    out["host_ip"] = "127.0.0.1";
    out["service"] = json::object{
      {"host", h.host},
      {"id", uuids ? json::value(service_uuid("nova-compute", h.host))
                   : json::value(h.id)},
      {"disabled_reason", h.disabled_reason.empty()
                            ? json::value(nullptr)
                            : json::value(h.disabled_reason)}};
  }
  if (shown.detail && v < api_version{2, 88}) {
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
                     {"topology", json::object{{"cores", 1},
                                               {"threads", 1},
                                               {"sockets", 1}}},
                     {"features", json::array{}}};
    if (v >= api_version{2, 28})
      out["cpu_info"] = std::move(cpu);
    else
      out["cpu_info"] = json::serialize(cpu);
  }
  if (shown.detail && v >= api_version{2, 88})
    out["uptime"] = shown.uptime;
  if (!h.servers.empty() && shown.with_servers) {
    json::array servers;
    for (auto& s : h.servers)
      servers.push_back(json::object{{"uuid", s.first}, {"name", s.second}});
    out["servers"] = std::move(servers);
  } else if (shown.with_servers && v >= api_version{2, 75}) {
    out["servers"] = json::array{};
  }
  return out;
}

namespace {

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

std::string shown_id(api_version v, const hypervisor_info& h) {
  return v >= api_version{2, 53} ? compute_node_uuid(h.host)
                                 : std::to_string(h.id);
}

// Nova's _validate_id: a uuid from 2.53 (400), an integer before (404);
// then the host whose id it is, or 404.
const hypervisor_info* find_hypervisor(const call_ptr& c,
                                       const hypervisor_list& l,
                                       const std::string& id) {
  if (c->version >= api_version{2, 53} && !is_uuid(id)) {
    reply_error(c, 400, "Invalid uuid " + id);
    return nullptr;
  }
  for (auto& h : l.items)
    if (shown_id(c->version, h) == id)
      return &h;
  reply_error(c, 404, "Hypervisor with ID '" + id + "' could not be found.");
  return nullptr;
}

void reply_statistics(const call_ptr& c, const hypervisor_list& l) {
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
}

// The hosts whose name contains `pattern` (Nova's LIKE '%pattern%'), or
// Nova's 404 when none does.
bool matching(const call_ptr& c, const hypervisor_list& l,
              const std::string& pattern, std::vector<hypervisor_info>& out) {
  for (auto& h : l.items)
    if (h.host.find(pattern) != std::string::npos)
      out.push_back(h);
  if (!out.empty())
    return true;
  reply_error(c, 404, "No hypervisor matching '" + pattern
                        + "' could be found.");
  return false;
}

// GET /os-hypervisors[/detail]: from 2.53 with its query schema
// (index_query_v253), a hostname pattern, servers on request, and pages
// of `limit` after `marker` (the id as the version shows it).
void list(const call_ptr& c, const hypervisor_list& l, bool detail) {
  auto v = c->version;
  hypervisor_shown shown{detail, false, detail ? host_uptime() : ""};
  std::vector<hypervisor_info> hosts = l.items;
  if (v >= api_version{2, 53}) {
    auto error = unexpected_params(
      *c, {"limit", "marker", "hypervisor_hostname_pattern", "with_servers"});
    int64_t limit = -1;
    if (error.empty() && query_integer(*c, "limit", limit, error))
      query_boolean(*c, "with_servers", shown.with_servers, error);
    if (!error.empty()) {
      reply_error(c, 400, error);
      return;
    }
    if (c->has_param("hypervisor_hostname_pattern")) {
      if (c->has_param("limit") || c->has_param("marker")) {
        reply_error(c, 400, "Paging over hypervisors with the "
                            "hypervisor_hostname_pattern query parameter is "
                            "not supported.");
        return;
      }
      hosts.clear();
      if (!matching(c, l, c->param("hypervisor_hostname_pattern"), hosts))
        return;
    }
    auto start = after_marker(c, hosts, [v](const hypervisor_info& h) {
      return shown_id(v, h);
    });
    if (!start) {
      reply_error(c, 400, "marker [" + c->param("marker") + "] not found");
      return;
    }
    hosts.erase(hosts.begin(),
                hosts.begin() + static_cast<std::ptrdiff_t>(*start));
    if (limit >= 0 && static_cast<size_t>(limit) < hosts.size())
      hosts.resize(static_cast<size_t>(limit));
  }
  json::array out;
  for (auto& h : hosts)
    out.push_back(hypervisor_view(v, h, shown));
  reply_json(c, 200, json::object{{"hypervisors", std::move(out)}});
}

// {pattern}/search and {pattern}/servers, until 2.52.
void search(const call_ptr& c, const hypervisor_list& l) {
  auto& p = c->path;
  std::vector<hypervisor_info> hosts;
  if (!matching(c, l, p[1], hosts))
    return;
  hypervisor_shown shown{false, p[2] == "servers", {}};
  json::array out;
  for (auto& h : hosts)
    out.push_back(hypervisor_view(c->version, h, shown));
  reply_json(c, 200, json::object{{"hypervisors", std::move(out)}});
}

// The query schema (show_query_v253) first, then the id, as Nova's show.
void show(const call_ptr& c, const hypervisor_list& l) {
  hypervisor_shown shown{true, false, host_uptime()};
  if (c->version >= api_version{2, 53}) {
    auto error = unexpected_params(*c, {"with_servers"});
    if (!error.empty()
        || !query_boolean(*c, "with_servers", shown.with_servers, error)) {
      reply_error(c, 400, error);
      return;
    }
  }
  auto h = find_hypervisor(c, l, c->path[1]);
  if (h == nullptr)
    return;
  reply_json(c, 200,
             json::object{{"hypervisor", hypervisor_view(c->version, *h,
                                                         shown)}});
}

void uptime(const call_ptr& c, const hypervisor_list& l) {
  auto h = find_hypervisor(c, l, c->path[1]);
  if (h == nullptr)
    return;
  auto out = hypervisor_view(c->version, *h, {});
  out["uptime"] = host_uptime();
  reply_json(c, 200, json::object{{"hypervisor", std::move(out)}});
}

} // namespace

void route_hypervisors(compute_api& api, const call_ptr& c) {
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  auto& p = c->path;
  auto v = c->version;
  // statistics and uptime end at 2.87, search and servers at 2.52: later,
  // Nova has no such route.
  auto statistics = p.size() == 2 && p[1] == "statistics";
  auto by_pattern = p.size() == 3 && (p[2] == "search" || p[2] == "servers");
  auto up = p.size() == 3 && p[2] == "uptime";
  if (p.size() > 3 || (p.size() == 3 && !by_pattern && !up)
      || ((statistics || up) && v >= api_version{2, 88})
      || (by_pattern && v >= api_version{2, 53})) {
    reply_no_route(c);
    return;
  }
  ask<hypervisor_list>(api, c, list_hypervisors{c->ctx},
                       [c, statistics, by_pattern, up](hypervisor_list& l) {
    auto& p = c->path;
    if (p.size() == 1 || (p.size() == 2 && p[1] == "detail"))
      list(c, l, p.size() == 2);
    else if (statistics)
      reply_statistics(c, l);
    else if (by_pattern)
      search(c, l);
    else if (up)
      uptime(c, l);
    else
      show(c, l);
  });
}

} // namespace vmforge::http
