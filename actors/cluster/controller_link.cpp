#include "actors/cluster/controller_link.hpp"

#include <algorithm>
#include <set>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/compute/supervisor.hpp"
#include "messages/errors.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

// connect -> join -> reconcile (the hypervisor's part) -> running; any
// failure or the controller's loss waits (back-off) and connects again.
struct link_state {
  static inline const char* name = "controller_link";
  controller_link_config cfg;
  /// Numbers the attempts: answers and timers of an earlier one are stale.
  uint64_t generation = 0;
  std::chrono::milliseconds delay{0};
  /// Joins accepted for this incarnation.
  uint32_t joins = 0;
  cluster_actor controller;
  std::set<caf::actor_addr> monitored;
  /// The host's supervisor (linked) while joined; its compute managers go
  /// with it.
  supervisor_actor supervisor;
};

using link_pointer = controller_link_actor::stateful_pointer<link_state>;

const char* log_name = "cluster";

metrics::cluster_metrics& counters(link_pointer self) {
  return self->state.cfg.metrics->cluster;
}

const std::string& host_of(link_pointer self) {
  return self->state.cfg.compute.host.name;
}

std::string where(link_pointer self) {
  auto& cfg = self->state.cfg;
  return cfg.controller_host + ":" + std::to_string(cfg.controller_port);
}

// Blocking driver calls, one job per actor on a thread of its own.
hypervisor_probe_actor::behavior_type
hypervisor_probe(hypervisor_probe_actor::pointer self, driver_ptr drv) {
  return {
    [self, drv](list_domains&) {
      self->quit();
      domain_list out;
      for (auto& id : drv->list_instances())
        out.items.push_back(domain_state{id, drv->get_power_state(id)});
      return out;
    },
    [self, drv](prepare_host& req) {
      self->quit();
      host_prepared out;
      auto run = [&](const std::string& id, const char* what,
                     driver_status st) {
        if (!st.ok)
          out.failures.push_back(std::string{what} + " " + id + ": "
                                 + st.reason);
      };
      for (auto& id : req.destroy)
        run(id, "destroy", drv->destroy(id));
      for (auto& id : req.power_off)
        run(id, "power off", drv->power_off(id));
      return out;
    },
  };
}

hypervisor_probe_actor probe(link_pointer self) {
  return self->spawn<caf::detached>(hypervisor_probe,
                                    self->state.cfg.compute.drv);
}

bool stale(link_pointer self, uint64_t generation) {
  return generation != self->state.generation;
}

void stop_compute(link_pointer self) {
  auto& st = self->state;
  if (!st.supervisor)
    return;
  self->unlink_from(st.supervisor);
  self->send_exit(st.supervisor, caf::exit_reason::user_shutdown);
  st.supervisor = nullptr;
}

// Ends the attempt (or the joined session): the host's compute manager
// stops, and the next attempt comes after the back-off.
void retry(link_pointer self, const std::string& why) {
  auto& st = self->state;
  stop_compute(self);
  st.controller = nullptr;
  ++st.generation;
  counters(self).connected.Set(0);
  log::warning(log_name, host_of(self), ": ", why, "; trying again in ",
               st.delay.count(), " ms");
  self->delayed_send(self, st.delay, link_retry{st.generation});
  st.delay = std::min(st.delay * 2, st.cfg.retry_max);
}

void incompatible(link_pointer self, const std::string& why) {
  log::error(log_name, host_of(self), ": cannot join the controller at ",
             where(self), ": ", why);
  counters(self).join("incompatible").Increment();
  if (self->state.cfg.on_incompatible)
    self->state.cfg.on_incompatible(why);
  self->quit();
}

void join_failed(link_pointer self, const std::string& why) {
  counters(self).join("failed").Increment();
  retry(self, why);
}

void start_compute(link_pointer self, const join_accepted& acc) {
  auto& st = self->state;
  auto c = st.cfg.compute;
  c.conductor = acc.conductor;
  c.scheduler = acc.scheduler;
  c.store = acc.store;
  supervisor_config sup;
  sup.computes.push_back(std::move(c));
  sup.conductor = acc.conductor;
  sup.restarts = st.cfg.restarts;
  st.supervisor = spawn_supervisor(self->system(), std::move(sup));
  // Linked: should the link itself go, the compute manager goes too.
  self->link_to(st.supervisor);
  log::info(log_name, host_of(self), ": joined the controller at ",
            where(self), "; compute manager started");
}

// What the controller's reconciliation asks of the hypervisor comes
// before the host takes builds (Nova's init_host).
void reconcile(link_pointer self, join_accepted& acc) {
  auto& st = self->state;
  auto gen = st.generation;
  self
    ->request(probe(self), st.cfg.hypervisor_timeout,
              prepare_host{acc.destroy, acc.power_off})
    .then(
      [self, gen, acc](host_prepared& done) {
        if (stale(self, gen))
          return;
        for (auto& line : done.failures)
          log::warning(log_name, host_of(self), ": ", line);
        start_compute(self, acc);
      },
      [self, gen](caf::error& err) {
        if (!stale(self, gen))
          retry(self, "the hypervisor did not reconcile ("
                        + error_message(err) + ")");
      });
}

void on_accepted(link_pointer self, join_accepted& acc) {
  auto& st = self->state;
  ++st.joins;
  st.delay = st.cfg.retry_min;
  counters(self).join("accepted").Increment();
  counters(self).connected.Set(1);
  // Once per handle: a second monitor would deliver a second down_msg.
  if (st.monitored.insert(st.controller.address()).second)
    self->monitor(st.controller);
  log::info(log_name, host_of(self), ": join accepted; destroying ",
            acc.destroy.size(), " domains, powering off ",
            acc.power_off.size());
  reconcile(self, acc);
}

void join(link_pointer self, std::vector<domain_state> domains) {
  auto& st = self->state;
  auto gen = st.generation;
  join_request req;
  req.host = host_of(self);
  req.incarnation = st.cfg.incarnation;
  req.rejoins = st.joins;
  req.link = caf::actor_cast<controller_link_actor>(self);
  req.domains = std::move(domains);
  self->request(st.controller, st.cfg.join_timeout, std::move(req))
    .then(
      [self, gen](join_accepted& acc) {
        if (!stale(self, gen))
          on_accepted(self, acc);
      },
      [self, gen](caf::error& err) {
        if (stale(self, gen))
          return;
        if (err == errc::incompatible_compute) {
          incompatible(self, error_message(err));
          return;
        }
        if (err == errc::compute_already_joined) {
          counters(self).join("already_joined").Increment();
          retry(self, error_message(err));
          return;
        }
        join_failed(self, "the join was not accepted ("
                            + error_message(err) + ")");
      });
}

void list_and_join(link_pointer self) {
  auto& st = self->state;
  auto gen = st.generation;
  self->request(probe(self), st.cfg.hypervisor_timeout, list_domains{})
    .then(
      [self, gen](domain_list& domains) {
        if (!stale(self, gen))
          join(self, std::move(domains.items));
      },
      [self, gen](caf::error& err) {
        if (!stale(self, gen))
          join_failed(self, "cannot list the hypervisor's domains ("
                              + error_message(err) + ")");
      });
}

void connect(link_pointer self) {
  auto& st = self->state;
  auto gen = st.generation;
  caf::io::middleman_actor mm = self->system().middleman().actor_handle();
  self
    ->request(mm, st.cfg.connect_timeout, caf::connect_atom_v,
              st.cfg.controller_host, st.cfg.controller_port)
    .then(
      [self, gen](const caf::node_id&, caf::strong_actor_ptr& ptr,
                  const std::set<std::string>& ifs) {
        if (stale(self, gen))
          return;
        if (!ptr) {
          join_failed(self, "nothing is published at " + where(self));
          return;
        }
        // Another message set: no retry can make it one we speak.
        if (!self->system().assignable<cluster_actor>(ifs)) {
          incompatible(self, "the actor published there is no vmforge "
                             "controller of this version");
          return;
        }
        self->state.controller = caf::actor_cast<cluster_actor>(ptr);
        list_and_join(self);
      },
      [self, gen](caf::error& err) {
        if (!stale(self, gen))
          join_failed(self, "cannot connect to " + where(self) + " ("
                              + self->system().render(err) + ")");
      });
}

controller_link_actor::behavior_type
controller_link(link_pointer self, controller_link_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.delay = st.cfg.retry_min;
  counters(self).connected.Set(0);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    st.monitored.erase(dm.source);
    if (!st.controller || dm.source != st.controller.address())
      return;
    counters(self).link_losses.Increment();
    retry(self, "lost the controller at " + where(self) + " ("
                  + self->system().render(dm.reason) + ")");
  });
  // The supervisor is linked; it only exits by itself if it crashed.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (st.supervisor && msg.source == st.supervisor.address()) {
      st.supervisor = nullptr;
      retry(self, "its supervisor died ("
                    + self->system().render(msg.reason) + ")");
      return;
    }
    self->quit(msg.reason);
  });
  connect(self);
  return {
    [self](link_retry& r) {
      if (!stale(self, r.generation))
        connect(self);
    },
  };
}

} // namespace

controller_link_actor spawn_controller_link(caf::actor_system& sys,
                                            controller_link_config cfg) {
  return sys.spawn(controller_link, std::move(cfg));
}

} // namespace vmforge
