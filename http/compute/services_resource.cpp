// os-services (admin): the scheduler, the conductor and one nova-compute
// per host; disabling a compute host keeps the scheduler off it.
#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object service_view(int64_t id, const std::string& binary,
                          const std::string& host, const std::string& zone,
                          bool enabled, bool up, const std::string& reason) {
  return {{"id", id},
          {"binary", binary},
          {"host", host},
          {"zone", zone},
          {"status", enabled ? "enabled" : "disabled"},
          {"state", up ? "up" : "down"},
          {"updated_at", iso8601_micro(now_us())},
          {"disabled_reason",
           reason.empty() ? json::value(nullptr) : json::value(reason)}};
}

} // namespace

void route_services(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  using verb = beast_http::verb;
  if (p.size() == 1 && c->req.method() == verb::get) {
    ask<host_view_list>(api, c, list_services{c->ctx}, [c](host_view_list& l) {
      json::array out;
      // The control services of this all-in-one process, then the hosts.
      out.push_back(service_view(1, "nova-scheduler", "vmforge", "internal",
                                 true, true, {}));
      out.push_back(service_view(2, "nova-conductor", "vmforge", "internal",
                                 true, true, {}));
      int64_t id = 3;
      for (auto& h : l.items) {
        if (c->has_param("host") && c->param("host") != h.host)
          continue;
        out.push_back(service_view(id++, "nova-compute", h.host,
                                   h.availability_zone, h.enabled, h.up,
                                   h.disabled_reason));
      }
      if (c->has_param("binary")) {
        json::array kept;
        for (auto& s : out)
          if (s.as_object().at("binary") == c->param("binary").c_str())
            kept.push_back(s);
        out = std::move(kept);
      }
      reply_json(c, 200, json::object{{"services", std::move(out)}});
    });
    return;
  }
  // PUT /os-services/{disable,disable-log-reason,enable} (before 2.53).
  if (p.size() == 2 && c->req.method() == verb::put
      && (p[1] == "disable" || p[1] == "disable-log-reason"
          || p[1] == "enable")) {
    json::value storage;
    auto body = json_body(c, storage);
    if (!body)
      return;
    auto host = body->if_contains("host");
    auto binary = body->if_contains("binary");
    if (host == nullptr || !host->is_string() || binary == nullptr
        || !binary->is_string()) {
      reply_error(c, 400, "Invalid input for field/attribute host or binary.");
      return;
    }
    if (binary->as_string() != "nova-compute") {
      reply_error(c, 400, "Only nova-compute services can be disabled.");
      return;
    }
    update_service req{c->ctx, host->as_string().c_str(), p[1] != "enable", {}};
    if (p[1] == "disable-log-reason") {
      auto reason = body->if_contains("disabled_reason");
      if (reason == nullptr || !reason->is_string()
          || reason->as_string().empty()
          || reason->as_string().size() > 255) {
        reply_error(c, 400, "The string containing the reason for disabling "
                            "the service contains invalid characters or is "
                            "too long.");
        return;
      }
      req.reason = reason->as_string().c_str();
    }
    auto h = req.host;
    auto disabled = req.disabled;
    auto reason = req.reason;
    ask<host_view_list>(api, c, std::move(req),
                        [c, h, disabled, reason](host_view_list&) {
      json::object service{{"host", h},
                           {"binary", "nova-compute"},
                           {"status", disabled ? "disabled" : "enabled"}};
      if (!reason.empty())
        service["disabled_reason"] = reason;
      reply_json(c, 200, json::object{{"service", std::move(service)}});
    });
    return;
  }
  reply_no_route(c);
}

} // namespace vmforge::http
