// os-instance_usage_audit_log: GET (the audit period last completed) and
// GET /{before} (the one completed before that time), admins. Nova reads
// its task_log table, which compute hosts fill only with the option
// instance_usage_audit (off by default); vmforge runs no such audit, so
// every compute host is one that has not run it, as Nova answers with the
// option off (docs/api.md).
#include <ctime>
#include <set>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace json = boost::json;

namespace {

struct audit_period {
  std::tm begin{};
  std::tm end{};
};

// Nova's utils.last_completed_audit_period for its default unit, "month":
// the month that ended last before `before` (UTC).
audit_period last_completed_month(std::time_t before) {
  std::tm now{};
  gmtime_r(&before, &now);
  int year = now.tm_year;
  int month = now.tm_mon;
  // The month's first instant is not yet past: its period has not ended.
  bool at_start = now.tm_mday == 1 && now.tm_hour == 0 && now.tm_min == 0
                  && now.tm_sec == 0;
  if (at_start && --month < 0) {
    month = 11;
    --year;
  }
  audit_period p;
  p.end.tm_year = year;
  p.end.tm_mon = month;
  p.end.tm_mday = 1;
  p.begin = p.end;
  if (--p.begin.tm_mon < 0) {
    p.begin.tm_mon = 11;
    --p.begin.tm_year;
  }
  return p;
}

// Python's str(datetime): "2026-11-01 00:00:00".
std::string text_of(const std::tm& t) {
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &t);
  return buf;
}

// The show's id, as Nova parses it: "%Y-%m-%d %H:%M:%S[.%f]".
bool parse_before(const std::string& text, std::time_t& out) {
  std::tm tm{};
  auto rest = strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (rest == nullptr)
    return false;
  if (*rest == '.') {
    auto digits = std::string{rest + 1};
    if (digits.empty() || digits.size() > 6
        || digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
  } else if (*rest != '\0') {
    return false;
  }
  out = timegm(&tm);
  return true;
}

json::object audit_log(const audit_period& p, const host_view_list& hosts) {
  std::set<std::string> names;
  for (auto& h : hosts.items)
    names.insert(h.host);
  json::array not_run;
  for (auto& n : names)
    not_run.push_back(json::value(n));
  auto total = static_cast<int64_t>(names.size());
  return json::object{
    {"period_beginning", text_of(p.begin)},
    {"period_ending", text_of(p.end)},
    {"num_hosts", total},
    {"num_hosts_done", 0},
    {"num_hosts_running", 0},
    {"num_hosts_not_run", total},
    {"hosts_not_run", std::move(not_run)},
    {"total_instances", 0},
    {"total_errors", 0},
    {"overall_status", (total == 0 ? std::string{"ALL"}
                                   : "0 of " + std::to_string(total))
                         + " hosts done. 0 errors."},
    {"log", json::object{}}};
}

} // namespace

void route_usage_audit_log(compute_api& api, const call_ptr& c) {
  if (!get_route(c, 2))
    return;
  auto& p = c->path;
  auto show = p.size() == 2;
  if (!c->ctx.is_admin) {
    reply_error(c, 403,
                std::string{"Policy doesn't allow "
                            "os_compute_api:os-instance-usage-audit-log:"}
                  + (show ? "show" : "list") + " to be performed.");
    return;
  }
  auto before = std::time(nullptr);
  if (show && !parse_before(p[1], before)) {
    reply_error(c, 400, "Invalid timestamp for date " + p[1]);
    return;
  }
  auto period = last_completed_month(before);
  ask<host_view_list>(api, c, list_services{c->ctx},
                      [c, show, period](host_view_list& hosts) {
    reply_json(c, 200,
               json::object{{show ? "instance_usage_audit_log"
                                  : "instance_usage_audit_logs",
                             audit_log(period, hosts)}});
  });
}

} // namespace vmforge::http
