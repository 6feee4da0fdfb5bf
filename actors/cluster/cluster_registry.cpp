#include "actors/cluster/cluster_registry.hpp"

#include <map>
#include <set>

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "recovery/recovery.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

struct member {
  uint64_t incarnation = 0;
  controller_link_actor link;
  bool connected = false;
  int64_t joins = 0;
  int64_t link_losses = 0;
};

struct registry_state {
  static inline const char* name = "cluster_registry";
  cluster_registry_config cfg;
  std::map<std::string, member> hosts;
  // Each link is monitored once: a second monitor would deliver a second
  // down_msg for the same loss.
  std::set<caf::actor_addr> monitored;
};

using registry_pointer = cluster_actor::stateful_pointer<registry_state>;

const char* log_name = "cluster";

// The store lists one host's rows from memory; if it cannot within this,
// the join fails and the compute tries again.
constexpr auto store_timeout = std::chrono::seconds{30};

metrics::cluster_metrics& counters(registry_pointer self) {
  return self->state.cfg.metrics->cluster;
}

void publish(registry_pointer self) {
  double up = 0;
  for (auto& kv : self->state.hosts)
    up += kv.second.connected ? 1 : 0;
  counters(self).hosts_connected.Set(up);
}

void refuse(registry_pointer self, const char* result) {
  counters(self).join(result).Increment();
}

// The process behind the host's recorded link no longer serves it.
void set_offline(registry_pointer self, const std::string& host, member& m,
                 const std::string& reason) {
  m.connected = false;
  auto& cfg = self->state.cfg;
  self->send(cfg.conductor, compute_offline{host, reason});
  self->send(cfg.scheduler, compute_offline{host, reason});
  publish(self);
}

// One live process per host: another incarnation waits until the link of
// the joined one is down (CAF's connection timeout tells).
caf::error admit(registry_pointer self, const join_request& req) {
  auto i = self->state.hosts.find(req.host);
  if (i == self->state.hosts.end() || !i->second.connected
      || i->second.incarnation == req.incarnation)
    return {};
  log::warning(log_name, "compute host ", req.host, " incarnation ",
               req.incarnation, " refused: incarnation ",
               i->second.incarnation, " is joined with its link up");
  refuse(self, "already_joined");
  return nova_error(errc::compute_already_joined, req.host,
                    i->second.incarnation);
}

// Writes back a row recovery corrected (power state, SHUTOFF), unless a
// task started on it meanwhile.
instance_update correction(const instance& row) {
  instance_update u;
  u.id = row.id;
  u.vm = row.vm;
  u.task = task_state::none;
  u.expected = task_set{task_state::none};
  u.set_power = true;
  u.power = row.power;
  return u;
}

// Nova's init_host for the joining host, decided by plan_recovery from
// the host's rows and domains. Rows still building are left out: their
// builds are the conductor's, lost with the compute manager that held
// them, so their domains count as orphans and go.
join_accepted reconcile(registry_pointer self, const join_request& req,
                        std::vector<instance> rows) {
  auto& cfg = self->state.cfg;
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [](const instance& row) {
                              return row.vm == vm_state::building;
                            }),
             rows.end());
  host_domains domains;
  for (auto& d : req.domains)
    domains[d.instance_id] = d.power;
  // No request ids: an interrupted action runs again under a new one.
  auto plan = plan_recovery(rows, {{req.host, domains}}, {});
  join_accepted acc;
  acc.conductor = cfg.conductor;
  acc.scheduler = cfg.scheduler;
  acc.store = cfg.store;
  for (auto& [host, id] : plan.orphans)
    acc.destroy.push_back(id);
  for (auto& [host, id] : plan.power_offs)
    acc.power_off.push_back(id);
  std::set<std::string> changed(plan.changed.begin(), plan.changed.end());
  for (auto& row : rows)
    if (changed.count(row.id) != 0)
      self->send(cfg.store, correction(row));
  for (auto& [id, host] : plan.deletes) {
    // The conductor finishes the delete; the domain goes now in any case,
    // since a delete of a host not yet online is local (the row only).
    if (domains.count(id) != 0)
      acc.destroy.push_back(id);
    self->send(cfg.conductor, delete_request{id, host});
  }
  // Queued by the conductor until the host's compute manager is online.
  for (auto& act : plan.actions)
    self->send(cfg.conductor, std::move(act));
  for (auto& note : plan.notes)
    log::info(log_name, req.host, ": ", note);
  return acc;
}

void accept(registry_pointer self, const join_request& req) {
  auto& m = self->state.hosts[req.host];
  if (m.connected)
    set_offline(self, req.host, m, "rejoined (incarnation "
                                     + std::to_string(req.incarnation) + ")");
  m.incarnation = req.incarnation;
  m.link = req.link;
  m.connected = true;
  ++m.joins;
  if (self->state.monitored.insert(req.link.address()).second)
    self->monitor(req.link);
  counters(self).join("accepted").Increment();
  publish(self);
  log::info(log_name, "compute host ", req.host, " joined (incarnation ",
            req.incarnation, ", rejoins ", req.rejoins, ", ",
            req.domains.size(), " domains)");
}

caf::result<join_accepted> on_join(registry_pointer self, join_request& req) {
  if (req.protocol_version != cluster_protocol_version) {
    log::error(log_name, "compute host ", req.host, " refused: it speaks "
               "cluster protocol ", req.protocol_version, ", this controller ",
               cluster_protocol_version);
    refuse(self, "incompatible");
    return nova_error(errc::incompatible_compute, req.host,
                      req.protocol_version, cluster_protocol_version);
  }
  if (auto err = admit(self, req))
    return err;
  auto rp = self->make_response_promise<join_accepted>();
  self->request(self->state.cfg.store, store_timeout,
                list_instances{std::string{}, req.host})
    .then(
      [self, rp, req](instance_list& rows) mutable {
        // Another incarnation may have joined while the store answered.
        if (auto err = admit(self, req)) {
          rp.deliver(std::move(err));
          return;
        }
        accept(self, req);
        rp.deliver(reconcile(self, req, std::move(rows.items)));
      },
      [self, rp, host = req.host](caf::error& err) mutable {
        log::error(log_name, "compute host ", host, " not joined: the store "
                   "did not list its instances (", error_message(err), ")");
        refuse(self, "failed");
        rp.deliver(std::move(err));
      });
  return rp;
}

// CAF's exit reasons by their names (remote_link_unreachable), anything
// else as rendered.
std::string exit_text(const caf::error& reason) {
  if (reason.category() == caf::atom("exit"))
    return to_string(static_cast<caf::exit_reason>(reason.code()));
  return error_message(reason);
}

void on_link_down(registry_pointer self, const caf::down_msg& dm) {
  self->state.monitored.erase(dm.source);
  for (auto& [host, m] : self->state.hosts) {
    if (m.link.address() != dm.source)
      continue;
    if (!m.connected)
      return; // already replaced by a rejoin of the same process
    auto reason = dm.reason == caf::exit_reason::user_shutdown
                    ? std::string{"stopped"}
                    : "lost its link (" + exit_text(dm.reason) + ")";
    log::warning(log_name, "compute host ", host, " (incarnation ",
                 m.incarnation, ") ", reason);
    ++m.link_losses;
    counters(self).link_losses.Increment();
    set_offline(self, host, m, reason);
    return;
  }
}

cluster_actor::behavior_type cluster_registry(registry_pointer self,
                                              cluster_registry_config cfg) {
  self->state.cfg = std::move(cfg);
  publish(self);
  self->set_down_handler(
    [self](caf::down_msg& dm) { on_link_down(self, dm); });
  return {
    [self](join_request& req) { return on_join(self, req); },
    [self](get_cluster_hosts&) {
      cluster_host_list out;
      for (auto& [host, m] : self->state.hosts)
        out.items.push_back(cluster_host{host, m.incarnation, m.connected,
                                         m.joins, m.link_losses});
      return out;
    },
  };
}

} // namespace

cluster_actor spawn_cluster_registry(caf::actor_system& sys,
                                     cluster_registry_config cfg) {
  return sys.spawn(cluster_registry, std::move(cfg));
}

} // namespace vmforge
