// os-availability-zone: the zones of the compute hosts (an aggregate's
// availability_zone, else the host's configured zone) and, in detail
// (admin), each zone's hosts and the controller's internal zone.
#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

json::object service_state(bool available, bool active) {
  return {{"available", available},
          {"active", active},
          {"updated_at", iso8601_micro(now_us())}};
}

} // namespace

void route_availability_zones(compute_api& api, const call_ptr& c) {
  auto& p = c->path;
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  auto detail = p.size() == 2 && p[1] == "detail";
  if (p.size() > 2 || (p.size() == 2 && !detail)) {
    reply_no_route(c);
    return;
  }
  ask<zone_list>(api, c, list_zones{c->ctx, detail}, [c, detail](zone_list& l) {
    json::array out;
    if (detail) {
      // Nova's internal zone: the controller's services.
      json::object services{{"nova-scheduler", service_state(true, true)},
                            {"nova-conductor", service_state(true, true)}};
      out.push_back(json::object{
        {"zoneName", "internal"},
        {"zoneState", json::object{{"available", true}}},
        {"hosts", json::object{{"vmforge", std::move(services)}}}});
    }
    for (auto& z : l.items) {
      json::value hosts = nullptr;
      if (detail && z.available) {
        json::object by_host;
        for (auto& h : z.hosts)
          by_host[h.host] = json::object{
            {"nova-compute", service_state(h.up, h.enabled)}};
        hosts = std::move(by_host);
      }
      out.push_back(json::object{
        {"zoneName", z.name},
        {"zoneState", json::object{{"available", z.available}}},
        {"hosts", std::move(hosts)}});
    }
    reply_json(c, 200, json::object{{"availabilityZoneInfo", std::move(out)}});
  });
}

} // namespace vmforge::http
