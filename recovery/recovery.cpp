#include "recovery/recovery.hpp"

#include <set>

#include "messages/actions.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

bool is_off(power_state ps) {
  return ps == power_state::shutdown || ps == power_state::crashed;
}

// A snapshot or shelve a restart interrupted: its task goes, the instance
// stays in the vm_state it was (Nova's _init_instance clears the image_*
// tasks; the shelve ones likewise, or they would stay for ever). An
// unshelve interrupted leaves a SHELVED_OFFLOADED instance without a host
// (a domain it got is an orphan then). Answers whether it was one.
bool clear_interrupted(instance& row, recovery_plan& plan) {
  using ts = task_state;
  static constexpr task_set interrupted{
    ts::image_snapshot_pending,        ts::image_snapshot,
    ts::image_pending_upload,          ts::image_uploading,
    ts::shelving,                      ts::shelving_image_pending_upload,
    ts::shelving_image_uploading,      ts::shelving_offloading,
    ts::unshelving};
  auto unshelving = row.vm == vm_state::shelved_offloaded
                    && row.task == ts::spawning;
  if (!interrupted.contains(row.task) && !unshelving)
    return false;
  plan.notes.push_back(row.id + ": " + to_string(row.task)
                       + " was interrupted, its task cleared");
  row.task = ts::none;
  if (row.vm == vm_state::shelved_offloaded) {
    row.host.clear();
    row.power = power_state::nostate;
  }
  plan.changed.push_back(row.id);
  return true;
}

// Nova's _sync_instance_power_state for an instance with no task: the
// stored power state follows the hypervisor; a guest that stopped by
// itself stops the instance; a stopped instance found running is stopped.
// Answers whether the row changed.
bool sync_power(instance& row, power_state ps, recovery_plan& plan) {
  auto before_vm = row.vm;
  auto before_ps = row.power;
  switch (row.vm) {
    case vm_state::active:
    case vm_state::paused:
    case vm_state::suspended:
      if (is_off(ps)) {
        row.vm = vm_state::stopped;
        plan.notes.push_back(row.id + ": shut down by itself, now SHUTOFF");
      } else if (ps == power_state::nostate) {
        // Nova: "Instance is unexpectedly not found. Ignore."
        plan.notes.push_back(row.id + ": no domain on " + row.host
                             + ", power state NOSTATE");
      }
      row.power = ps;
      break;
    case vm_state::stopped:
      if (ps != power_state::nostate && !is_off(ps)) {
        plan.power_offs.emplace_back(row.host, row.id);
        plan.notes.push_back(row.id + ": SHUTOFF but running, powering off");
        ps = power_state::shutdown;
      }
      row.power = ps;
      break;
    default:
      break;
  }
  return row.vm != before_vm || row.power != before_ps;
}

} // namespace

recovery_plan plan_recovery(std::vector<instance>& rows,
                            const std::map<std::string, host_domains>& hosts,
                            const std::map<std::string, std::string>& request_ids) {
  recovery_plan plan;
  std::set<std::pair<std::string, std::string>> accounted;
  auto request_of = [&](const std::string& id) {
    auto i = request_ids.find(id);
    return i != request_ids.end() ? i->second : "req-" + make_uuid();
  };
  for (auto& row : rows) {
    auto hv = row.host.empty() ? hosts.end() : hosts.find(row.host);
    auto domain = hv == hosts.end() ? nullptr : &hv->second;
    auto found = domain ? domain->find(row.id) : host_domains::const_iterator{};
    bool exists = domain && found != domain->end();
    auto ps = exists ? found->second : power_state::nostate;
    if (row.task == task_state::deleting) {
      accounted.emplace(row.host, row.id);
      plan.deletes.emplace_back(row.id, domain ? row.host : std::string{});
      continue;
    }
    if (clear_interrupted(row, plan)) {
      if (row.vm != vm_state::shelved_offloaded && domain) {
        accounted.emplace(row.host, row.id);
        sync_power(row, ps, plan);
      }
      continue;
    }
    if (row.vm == vm_state::building) {
      if (exists && ps == power_state::running) {
        // The spawn finished; only its report was lost.
        accounted.emplace(row.host, row.id);
        row.vm = vm_state::active;
        row.task = task_state::none;
        row.power = ps;
        row.launched_us = row.launched_us != 0 ? row.launched_us : now_us();
        plan.changed.push_back(row.id);
        plan.events.push_back(event_record(row.id, request_of(row.id),
                                           "compute__do_build_and_run_instance",
                                           row.updated_us, true, row.host));
        plan.notes.push_back(row.id + ": spawned on " + row.host
                             + " before the restart, now ACTIVE");
        continue;
      }
      auto build = build_of(row, request_of(row.id));
      if (domain) {
        // Interrupted on a host: a failed attempt there, as Nova counts a
        // reschedule.
        auto why = interrupted_build(row.id, row.host);
        build.tried_hosts.push_back(row.host);
        plan.events.push_back(event_record(row.id, build.request_id,
                                           "compute__do_build_and_run_instance",
                                           row.updated_us, false, row.host,
                                           why));
      }
      plan.notes.push_back(row.id + ": build in flight"
                           + (row.host.empty() ? "" : " on " + row.host)
                           + ", scheduling it again");
      row.task = task_state::scheduling;
      row.host.clear();
      row.power = power_state::nostate;
      plan.changed.push_back(row.id);
      plan.rebuilds.push_back(std::move(build));
      continue;
    }
    if (!domain)
      continue; // ERROR without a host, or a host no longer configured
    accounted.emplace(row.host, row.id);
    if (auto call = call_of(row.task)) {
      plan.actions.push_back(
        instance_action{row.id, row.host, *call, request_of(row.id)});
      plan.notes.push_back(row.id + ": " + to_string(row.task)
                           + " was interrupted, running it again");
      continue;
    }
    if (row.task == task_state::none && sync_power(row, ps, plan))
      plan.changed.push_back(row.id);
  }
  for (auto& [host, domains] : hosts)
    for (auto& kv : domains)
      if (accounted.count({host, kv.first}) == 0) {
        plan.orphans.emplace_back(host, kv.first);
        plan.notes.push_back(kv.first + ": domain on " + host
                             + " belongs to no instance, destroying it");
      }
  return plan;
}

} // namespace vmforge
