// os-simple-tenant-usage: GET /os-simple-tenant-usage (every tenant,
// admins) and GET /os-simple-tenant-usage/{tenant_id}.
#include <ctime>

#include <boost/json/serialize.hpp>

#include "http/compute/ask.hpp"
#include "http/compute/views.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

constexpr int64_t max_limit = 1000; // [api] max_limit

// The period's bounds as Nova's _parse_datetime reads them: naive UTC in
// one of three strptime formats (%f: 1 to 6 digits); absent: now.
bool parse_usage_time(const std::string& text, int64_t& us) {
  if (text.empty()) {
    us = now_us();
    return true;
  }
  for (auto sep : {'T', ' '}) {
    std::tm tm{};
    std::string fmt = std::string{"%Y-%m-%d"} + sep + "%H:%M:%S";
    auto rest = strptime(text.c_str(), fmt.c_str(), &tm);
    if (rest == nullptr)
      continue;
    int64_t frac = 0;
    int digits = 0;
    if (*rest == '.') {
      for (++rest; *rest >= '0' && *rest <= '9' && digits < 6; ++rest, ++digits)
        frac = frac * 10 + (*rest - '0');
      if (digits == 0)
        continue;
      for (int d = digits; d < 6; ++d)
        frac *= 10;
    } else if (sep == ' ') {
      continue; // the space form has its fraction
    }
    if (*rest != '\0')
      continue;
    us = static_cast<int64_t>(timegm(&tm)) * 1000000 + frac;
    return true;
  }
  return false;
}

json::object server_usage_view(const server_usage& u) {
  return json::object{
    {"instance_id", u.instance_id},
    {"name", u.name},
    {"tenant_id", u.tenant_id},
    {"flavor", u.flavor},
    {"hours", u.hours},
    {"memory_mb", u.memory_mb},
    {"local_gb", u.local_gb},
    {"vcpus", u.vcpus},
    {"started_at", iso8601_micro(u.started_us)},
    {"ended_at", u.ended_us != 0 ? json::value(iso8601_micro(u.ended_us))
                                 : json::value(nullptr)},
    {"state", u.state},
    {"uptime", u.uptime_s}};
}

json::object tenant_usage_view(const tenant_usage& t, const usage_report& r) {
  json::object out{{"tenant_id", t.tenant_id},
                   {"total_local_gb_usage", t.total_local_gb_usage},
                   {"total_vcpus_usage", t.total_vcpus_usage},
                   {"total_memory_mb_usage", t.total_memory_mb_usage},
                   {"total_hours", t.total_hours},
                   {"start", iso8601_micro(r.start_us)},
                   {"stop", iso8601_micro(r.stop_us)}};
  if (t.detailed) {
    json::array servers;
    for (auto& u : t.server_usages)
      servers.push_back(server_usage_view(u));
    out["server_usages"] = std::move(servers);
  }
  return out;
}

std::string url_encode(const std::string& s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else if (ch == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

// Nova's _get_collection_links: a full page of the limit asked (0: no
// links) links the next, the request's parameters sorted, marker the
// last instance.
json::array next_links(const call_ptr& c, const std::string& collection,
                       const usage_report& r, int64_t link_limit) {
  if (link_limit == 0 || r.servers != link_limit)
    return {};
  std::map<std::string, std::string> params;
  for (auto& kv : c->query)
    params.emplace(kv.first, kv.second);
  params["marker"] = r.last_id;
  std::string query;
  for (auto& kv : params)
    query += (query.empty() ? "" : "&") + url_encode(kv.first) + "="
             + url_encode(kv.second);
  auto href = c->base.root + "/v2.1"
              + (c->base.project_id.empty() ? "" : "/" + c->base.project_id)
              + "/" + collection + "?" + query;
  return json::array{json::object{{"href", href}, {"rel", "next"}}};
}

} // namespace

void route_tenant_usage(compute_api& api, const call_ptr& c) {
  if (!get_route(c, 2))
    return;
  auto& p = c->path;
  get_tenant_usage call_req;
  call_req.ctx = c->ctx;
  auto& req = call_req.query;
  if (p.size() == 2)
    req.tenant_id = p[1];
  // Nova checks the policy before it reads the period.
  if (!c->ctx.is_admin
      && (req.tenant_id.empty() || req.tenant_id != c->ctx.project_id)) {
    reply_error(c, 403, std::string{"Policy doesn't allow "
                                    "os_compute_api:os-simple-tenant-usage:"}
                          + (req.tenant_id.empty() ? "list" : "show")
                          + " to be performed.");
    return;
  }
  if (!parse_usage_time(c->param("start"), req.start_us)
      || !parse_usage_time(c->param("end"), req.stop_us)) {
    reply_error(c, 400, "Invalid datetime string: Datetime is in invalid "
                        "format");
    return;
  }
  if (req.start_us >= req.stop_us) {
    reply_error(c, 400, "Invalid start time. The start time cannot occur "
                        "after the end time.");
    return;
  }
  req.stop_us = std::min(req.stop_us, now_us());
  req.detailed = p.size() == 2 || c->param("detailed") == "1";
  auto paged = c->version >= api_version{2, 40};
  auto link_limit = max_limit;
  if (paged && c->has_param("limit")) {
    auto text = c->param("limit");
    if (text.empty() || text.size() > 18
        || !std::all_of(text.begin(), text.end(), ::isdigit)) {
      reply_error(c, 400, "Invalid input for query parameters limit. Value: "
                            + text + ". '" + text
                            + "' does not match '^[0-9]*$'");
      return;
    }
    auto n = std::stoll(text);
    req.limit = std::min<int64_t>(max_limit, n == 0 ? max_limit : n);
    link_limit = std::min<int64_t>(max_limit, n);
  }
  if (paged)
    req.marker = c->param("marker");
  auto collection = "os-simple-tenant-usage"
                    + (req.tenant_id.empty() ? "" : "/" + req.tenant_id);
  auto show = !req.tenant_id.empty();
  ask<usage_report>(api, c, std::move(call_req),
                    [c, paged, show, collection, link_limit](usage_report& r) {
    json::object body;
    if (show) {
      body["tenant_usage"] = r.tenants.empty()
                               ? json::object{}
                               : tenant_usage_view(r.tenants.front(), r);
    } else {
      json::array out;
      for (auto& t : r.tenants)
        out.push_back(tenant_usage_view(t, r));
      body["tenant_usages"] = std::move(out);
    }
    if (paged) {
      auto links = next_links(c, collection, r, link_limit);
      if (!links.empty())
        body[show ? "tenant_usage_links" : "tenant_usages_links"]
          = std::move(links);
    }
    reply_json(c, 200, std::move(body));
  });
}

} // namespace vmforge::http
