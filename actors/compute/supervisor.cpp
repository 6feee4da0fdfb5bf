#include "actors/compute/supervisor.hpp"

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

struct child {
  compute_config cfg;
  compute_actor handle;
};

struct supervisor_state {
  static inline const char* name = "supervisor";
  conductor_actor conductor;
  std::map<std::string, child> children; // by host name
  restart_counts restarts;
  restart_counters counters;
};

using supervisor_pointer = supervisor_actor::stateful_pointer<supervisor_state>;

const char* log_name = "supervisor";

void count_restart(supervisor_pointer self, const std::string& kind) {
  ++self->state.restarts.by_kind[kind];
  self->state.counters->Add({{"kind", kind}}).Increment();
}

void start_child(supervisor_pointer self, child& c, bool restarted,
                 const std::string& reason) {
  c.cfg.supervisor = caf::actor_cast<supervisor_actor>(self);
  c.handle = spawn_compute_manager(self, c.cfg);
  self->send(self->state.conductor,
             compute_online{c.cfg.host.name, c.handle, restarted, reason});
}

supervisor_actor::behavior_type supervisor(supervisor_pointer self,
                                           supervisor_config cfg) {
  auto& st = self->state;
  st.conductor = cfg.conductor;
  st.counters = std::move(cfg.restarts);
  for (auto& c : cfg.computes) {
    auto& entry = st.children[c.host.name];
    entry.cfg = std::move(c);
    start_child(self, entry, false, {});
  }
  // Its compute managers are monitored, not linked: they go with it when
  // it is told to go (a compute process whose controller is gone stops
  // its supervisor).
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& kv : self->state.children)
      self->send_exit(kv.second.handle, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& kv : self->state.children) {
      auto& c = kv.second;
      if (c.handle.address() != dm.source)
        continue;
      // user_shutdown is the daemon's own orderly stop, not a crash.
      if (dm.reason == caf::exit_reason::user_shutdown)
        return;
      auto why = error_message(dm.reason);
      log::error(log_name, "compute manager of ", kv.first, " died (", why,
                 "), restarting it");
      count_restart(self, "compute_manager");
      start_child(self, c, true, why);
      return;
    }
  });
  return {
    [self](actor_restarted& r) { count_restart(self, r.kind); },
    [self](get_restarts&) { return self->state.restarts; },
    [self](get_compute& q) -> caf::result<compute_actor> {
      auto i = self->state.children.find(q.host);
      if (i == self->state.children.end())
        return nova_error(errc::compute_host_not_found, q.host);
      return i->second.handle;
    },
  };
}

} // namespace

supervisor_actor spawn_supervisor(caf::actor_system& sys,
                                  supervisor_config cfg) {
  return sys.spawn(supervisor, std::move(cfg));
}

} // namespace vmforge
