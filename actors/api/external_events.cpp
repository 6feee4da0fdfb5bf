#include "actors/api/external_events.hpp"

#include <algorithm>
#include <map>

namespace vmforge {

namespace {

// Nova's TAG_REQUIRED.
bool needs_tag(const std::string& name) {
  return name == "volume-extended" || name == "power-update"
         || name == "accelerator-request-bound";
}

} // namespace

bool decide_events(std::vector<server_event>& events,
                   const std::vector<instance>& rows) {
  std::map<std::string, const instance*> by_id;
  for (auto& row : rows)
    by_id.emplace(row.id, &row);
  bool all = true;
  for (auto& e : events) {
    auto i = by_id.find(e.server_uuid);
    if (i == by_id.end())
      e.code = 404;
    else if (needs_tag(e.name) && !e.has_tag)
      e.code = 400;
    else if (i->second->host.empty())
      e.code = 422;
    else
      e.code = 200;
    e.status = e.code == 200 ? "completed" : "failed";
    all = all && e.code == 200;
  }
  return all;
}

const char* recorded_action(const server_event& event) {
  if (event.name == "volume-extended")
    return "extend_volume";
  if (event.name == "power-update" && event.tag == "POWER_ON")
    return "start";
  if (event.name == "power-update" && event.tag == "POWER_OFF")
    return "stop";
  return nullptr;
}

std::optional<instance_update> power_update_of(const server_event& event,
                                               const instance& row) {
  if (event.name != "power-update" || row.task != task_state::none)
    return std::nullopt;
  instance_update u;
  u.id = row.id;
  u.expected = {task_state::none};
  u.set_power = true;
  if (event.tag == "POWER_OFF" && row.vm == vm_state::active
      && row.power == power_state::running) {
    u.vm = vm_state::stopped;
    u.power = power_state::shutdown;
    return u;
  }
  if (event.tag == "POWER_ON" && row.vm == vm_state::stopped
      && row.power == power_state::shutdown) {
    u.vm = vm_state::active;
    u.power = power_state::running;
    return u;
  }
  return std::nullopt;
}

} // namespace vmforge
