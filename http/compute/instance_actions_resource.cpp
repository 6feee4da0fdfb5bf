// GET /servers/{id}/os-instance-actions[/{request_id}]: what was asked of
// a server, newest first, as Nova's instance_actions.py at each version:
// 2.21 a deleted server's too, 2.51 events for everyone (tracebacks for
// admins), 2.58 updated_at and pages (limit, marker, changes-since), 2.62
// the events' host (admins) and hostId, 2.66 changes-before, 2.84 the
// events' details (admins).
#include "http/compute/instance_actions_resource.hpp"

#include <algorithm>

#include "http/compute/ask.hpp"
#include "http/compute/query_schema.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

constexpr int64_t max_limit = 1000; // [api] max_limit

// Nova's action updated_at: its start, then each event's start and finish.
int64_t updated_us(const action_record& a) {
  auto out = a.start_us;
  for (auto& e : a.events)
    out = std::max({out, e.start_us, e.finish_us});
  return out;
}

json::object action_view(const call_ptr& c, const std::string& id,
                         const action_record& a) {
  auto failed = std::any_of(a.events.begin(), a.events.end(),
                            [](const action_event& e) {
                              return e.result == "Error";
                            });
  json::object out{{"action", a.action},
                   {"instance_uuid", id},
                   {"request_id", a.request_id},
                   {"user_id", a.user_id},
                   {"project_id", a.project_id},
                   {"start_time", iso8601_micro(a.start_us)},
                   {"message", failed ? json::value("Error")
                                      : json::value(nullptr)}};
  if (c->version >= api_version{2, 58})
    out["updated_at"] = iso8601_micro(updated_us(a));
  return out;
}

json::value or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// The events policy (`os-instance-actions:events`, admins) shows every
// event with its traceback; from 2.51 everyone sees them without.
json::array events_view(const call_ptr& c, const action_record& a) {
  auto admin = c->ctx.is_admin;
  auto v = c->version;
  json::array out;
  for (auto& e : a.events) {
    json::object ev{{"event", e.name},
                    {"start_time", iso8601_micro(e.start_us)},
                    {"finish_time", or_null(e.finish_us > 0
                                              ? iso8601_micro(e.finish_us)
                                              : std::string{})},
                    {"result", or_null(e.result)}};
    if (admin)
      ev["traceback"] = or_null(e.traceback);
    if (admin && v >= api_version{2, 62})
      ev["host"] = e.host;
    if (v >= api_version{2, 62})
      ev["hostId"] = host_id(a.project_id, e.host);
    // details: the fault's message of a failed event (the
    // events:details policy, admins).
    if (admin && v >= api_version{2, 84})
      ev["details"] = e.result == "Error" ? or_null(e.traceback)
                                          : json::value(nullptr);
    out.push_back(std::move(ev));
  }
  return out;
}

// index_query_v258 / v266 and the window they ask for; false once
// answered.
bool parse_page(const call_ptr& c, int64_t& limit, int64_t& since,
                int64_t& before) {
  auto v266 = c->version >= api_version{2, 66};
  std::vector<std::string> allowed{"limit", "marker", "changes-since"};
  if (v266)
    allowed.push_back("changes-before");
  auto error = unexpected_params(*c, allowed);
  if (error.empty() && query_integer(*c, "limit", limit, error)) {
    for (auto [name, out] : {std::pair{"changes-since", &since},
                             std::pair{"changes-before", &before}}) {
      if (!c->has_param(name) || parse_iso8601(c->param(name), *out))
        continue;
      error = std::string{"Invalid input for query parameters "} + name
              + ". Value: " + c->param(name) + ". '" + c->param(name)
              + "' is not a 'date-time'";
      break;
    }
  }
  if (error.empty() && c->has_param("changes-since")
      && c->has_param("changes-before") && before < since)
    error = "The value of changes-since must be less than or equal to "
            "changes-before.";
  if (error.empty())
    return true;
  reply_error(c, 400, error);
  return false;
}

void reply_list(const call_ptr& c, const std::string& id, action_list& l,
                int64_t limit, int64_t since, int64_t before) {
  std::vector<const action_record*> rows;
  for (auto i = l.items.rbegin(); i != l.items.rend(); ++i) {
    auto updated = updated_us(*i);
    if ((c->has_param("changes-since") && updated < since)
        || (c->has_param("changes-before") && updated > before))
      continue;
    rows.push_back(&*i);
  }
  auto start = after_marker(c, rows, [](const action_record* a) {
    return a->request_id;
  });
  if (!start) {
    // Nova's actions_get has replaced the marker by its (missing) action
    // when it formats MarkerNotFound.
    reply_error(c, 400, "Marker None could not be found.");
    return;
  }
  json::array out;
  for (auto i = *start; i < rows.size()
                        && static_cast<int64_t>(out.size()) < limit;
       ++i)
    out.push_back(action_view(c, id, *rows[i]));
  json::object body;
  // Nova's collection links: a next page whenever this one is full.
  if (c->version >= api_version{2, 58} && limit > 0
      && static_cast<int64_t>(out.size()) == limit) {
    auto last = out.back().as_object().at("request_id").as_string();
    std::string href = c->base.root + "/v2.1"
                       + (c->base.project_id.empty()
                            ? ""
                            : "/" + c->base.project_id)
                       + "/servers/" + id + "/os-instance-actions?limit="
                       + std::to_string(limit) + "&marker=" + last.c_str();
    body["links"] = json::array{json::object{{"rel", "next"},
                                             {"href", std::move(href)}}};
  }
  body["instanceActions"] = std::move(out);
  reply_json(c, 200, std::move(body));
}

} // namespace

void instance_actions(compute_api& api, const call_ptr& c,
                      const std::string& id) {
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return;
  }
  auto wanted = c->path.size() == 4 ? c->path[3] : std::string{};
  int64_t limit = max_limit, since = 0, before = 0;
  if (wanted.empty() && c->version >= api_version{2, 58}) {
    if (!parse_page(c, limit, since, before))
      return;
    limit = std::min(limit, max_limit);
  }
  auto read_deleted = c->version >= api_version{2, 21};
  ask<action_list>(api, c, list_instance_actions{c->ctx, id, read_deleted},
                   [c, id, wanted, limit, since, before](action_list& l) {
    if (wanted.empty()) {
      reply_list(c, id, l, limit, since, before);
      return;
    }
    for (auto& a : l.items)
      if (a.request_id == wanted) {
        auto out = action_view(c, id, a);
        if (c->ctx.is_admin || c->version >= api_version{2, 51})
          out["events"] = events_view(c, a);
        reply_json(c, 200, json::object{{"instanceAction", std::move(out)}});
        return;
      }
    reply_error(c, 404, "Action for request_id " + wanted + " on instance "
                          + id + " not found");
  });
}

} // namespace vmforge::http
