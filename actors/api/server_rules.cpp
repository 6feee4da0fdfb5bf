#include "actors/api/server_rules.hpp"

#include "messages/errors.hpp"

namespace vmforge {

namespace {

using ts = task_state;
using vs = vm_state;

struct power_rule {
  const char* key; // the action's key in the request body
  server_rule rule;
};

const power_rule power_rules[] = {
  {"os-stop", {"stop", true, true, {vs::active, vs::error}, ts::powering_off}},
  {"os-start", {"start", true, true, {vs::stopped}, ts::powering_on}},
  // Soft reboots need a running guest; hard ones work from more states.
  {"reboot", {"reboot", true, true, {vs::active}, ts::rebooting}},
  {"reboot",
   {"reboot", true, true,
    {vs::active, vs::stopped, vs::paused, vs::suspended, vs::error},
    ts::rebooting_hard}},
  {"pause", {"pause", true, true, {vs::active}, ts::pausing}},
  {"unpause", {"unpause", true, true, {vs::paused}, ts::unpausing}},
  {"suspend", {"suspend", true, true, {vs::active}, ts::suspending}},
  {"resume", {"resume", true, true, {vs::suspended}, ts::resuming}},
  {"restore", {"restore", true, true, {vs::soft_deleted}, ts::powering_on}},
  {"rescue",
   {"rescue", true, true, {vs::active, vs::stopped, vs::error}, ts::rescuing}},
  {"unrescue", {"unrescue", true, true, {vs::rescued}, ts::unrescuing}},
};

const power_rule shelve_rules[] = {
  {"shelve",
   {"shelve", true, true, {vs::active, vs::stopped, vs::paused, vs::suspended},
    ts::shelving}},
  {"shelveOffload",
   {"shelveOffload", true, true, {vs::shelved}, ts::shelving_offloading}},
  {"unshelve",
   {"unshelve", true, true, {vs::shelved, vs::shelved_offloaded},
    ts::unshelving}},
};

} // namespace

const server_rule create_image_rule{
  "createImage", false, true,
  {vs::active, vs::stopped, vs::paused, vs::suspended},
  ts::image_snapshot_pending};

const server_rule create_backup_rule{
  "createBackup", false, true,
  {vs::active, vs::stopped, vs::paused, vs::suspended},
  ts::image_snapshot_pending};

const server_rule* shelve_action(const std::string& key) {
  for (auto& p : shelve_rules)
    if (key == p.key)
      return &p.rule;
  return nullptr;
}

const server_rule delete_rule{"delete", true, false, {}, ts::none};

const server_rule metadata_rule{"update_metadata", true, false, {}, ts::none};

const server_rule* power_action(const std::string& key, bool hard) {
  for (auto& p : power_rules) {
    if (key != p.key)
      continue;
    auto is_hard = p.rule.task == ts::rebooting_hard;
    if ((p.rule.task == ts::rebooting || is_hard) && hard != is_hard)
      continue;
    return &p.rule;
  }
  return nullptr;
}

caf::error check(const server_rule& rule, const instance& row,
                 bool is_admin) {
  if (rule.check_lock && row.locked && !is_admin)
    return nova_error(errc::instance_is_locked, row.id);
  if (!rule.check_state)
    return caf::none;
  if (!rule.allowed.contains(row.vm))
    return nova_error(errc::instance_invalid_state, rule.name, row.id,
                      "vm_state", to_string(row.vm));
  if (row.task != ts::none)
    return nova_error(errc::instance_invalid_state, rule.name, row.id,
                      "task_state", to_string(row.task));
  return caf::none;
}

caf::error check_console(const instance& row) {
  if (row.host.empty())
    return nova_error(errc::instance_not_ready, row.id);
  if (row.task == ts::deleting)
    return nova_error(errc::instance_invalid_state, "get_console_output",
                      row.id, "task_state", to_string(row.task));
  return caf::none;
}

begin_task begin_of(const server_rule& rule, const std::string& id,
                    bool is_admin) {
  // The same conditions as check(), as a guard the store applies.
  return begin_task{id, rule.allowed, {ts::none},
                    rule.check_lock && !is_admin, rule.task};
}

} // namespace vmforge
