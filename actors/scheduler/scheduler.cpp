#include "actors/scheduler/scheduler.hpp"

#include <mutex>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "metrics/mailbox.hpp"

namespace vmforge {

namespace {

using steady_clock = std::chrono::steady_clock;

// What ComputeFilter looks at, copied from each host's state whenever a
// report or an operator changes it. A host whose reports stop goes down by
// time alone, so vmforge_compute_host_up is computed when it is collected,
// by ComputeFilter itself, on the collecting thread: hence the copies.
class liveness {
public:
  explicit liveness(std::chrono::seconds service_down_time)
    : service_down_time_(service_down_time) {
    // nop
  }

  void update(const host_state& h, metrics::Gauge& up) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& slot = hosts_[h.name];
    slot.first = h;
    slot.second = &up;
  }

  void publish() {
    std::lock_guard<std::mutex> guard{mtx_};
    filter_context ctx{steady_clock::now(), service_down_time_, nullptr,
                       nullptr};
    for (auto& kv : hosts_)
      kv.second.second->Set(compute_filter(kv.second.first, {}, ctx) ? 1 : 0);
  }

private:
  const std::chrono::seconds service_down_time_;
  std::mutex mtx_;
  std::unordered_map<std::string, std::pair<host_state, metrics::Gauge*>>
    hosts_;
};

struct scheduler_state {
  static inline const char* name = "scheduler";
  // Set before the behaviour runs; optional only because the selector has
  // no default constructor.
  std::optional<host_selector> selector;
  metrics::registry_ptr metrics;
  std::shared_ptr<liveness> up;
};

using scheduler_pointer
  = scheduler_actor::stateful_pointer<scheduler_state>;

void track(scheduler_pointer self, const std::string& host) {
  auto& st = self->state;
  if (auto h = st.selector->find(host))
    st.up->update(*h, st.metrics->host(host).up);
}

// An operator's change to a host (os-services): the views it leaves, or
// Nova's 404 if the host is unknown (every host here is a nova-compute).
caf::result<host_view_list> changed(scheduler_pointer self, bool known,
                                    const std::string& host) {
  if (!known)
    return nova_error(errc::host_binary_not_found, "nova-compute", host);
  track(self, host);
  return host_view_list{self->state.selector->views(steady_clock::now())};
}

scheduler_actor::behavior_type scheduler(scheduler_pointer self,
                                         host_selector selector,
                                         metrics::registry_ptr reg) {
  auto& st = self->state;
  st.up = std::make_shared<liveness>(selector.service_down_time());
  st.selector.emplace(std::move(selector));
  st.metrics = std::move(reg);
  st.metrics->on_collect([up = st.up] { up->publish(); });
  auto now = [] { return steady_clock::now(); };
  return {
    [self, now](select_destinations& req) -> caf::result<host_selection> {
      auto began = now();
      auto sel = self->state.selector->select(req, began);
      self->state.metrics->scheduler.decision.Observe(
        metrics::seconds_since(began));
      if (!sel)
        return sel.error();
      return std::move(*sel);
    },
    [self, now](claim_host& req) -> caf::result<host_claimed> {
      auto claimed = self->state.selector->claim(req, now());
      if (!claimed)
        return claimed.error();
      return std::move(*claimed);
    },
    [self](release_claim& req) { self->state.selector->release(req.instance_id); },
    [self, now](host_report& r) {
      self->state.selector->report(r, now());
      track(self, r.host);
      // The scheduler's backlog, sampled as reports come (every
      // report_interval from each host).
      self->state.metrics->runtime.scheduler_mailbox.Set(
        metrics::mailbox_depth(self));
    },
    [self](compute_offline& c) {
      if (self->state.selector->offline(c))
        track(self, c.host);
    },
    [self](set_host_status& req) {
      return changed(self, self->state.selector->set_status(req), req.host);
    },
    [self](force_host_down& req) {
      return changed(self, self->state.selector->force_down(req), req.host);
    },
    [self](set_host_aggregates& req) {
      self->state.selector->set_aggregates(req.aggregates);
    },
    [self, now](get_host_views&) -> host_view_list {
      return host_view_list{self->state.selector->views(now())};
    },
    [self](get_group_hosts& req) {
      return self->state.selector->members_of(req);
    },
  };
}

} // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, host_selector selector,
                                metrics::registry_ptr reg) {
  return sys.spawn(scheduler, std::move(selector), std::move(reg));
}

} // namespace vmforge
