#include "actors/scheduler.hpp"

#include <optional>

#include <caf/all.hpp>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

struct scheduler_state {
  static inline const char* name = "scheduler";
  // Set before the behaviour runs; optional only because the selector has
  // no default constructor.
  std::optional<host_selector> selector;
};

scheduler_actor::behavior_type
scheduler(scheduler_actor::stateful_pointer<scheduler_state> self,
          host_selector selector) {
  self->state.selector.emplace(std::move(selector));
  auto now = [] { return std::chrono::steady_clock::now(); };
  return {
    [self, now](select_destinations& req) -> caf::result<host_selection> {
      auto sel = self->state.selector->select(req, now());
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
    [self, now](host_report& r) { self->state.selector->report(r, now()); },
    [self, now](set_host_status& req) -> caf::result<host_view_list> {
      if (!self->state.selector->set_status(req))
        return caf::make_error(api_errc::not_found,
                               "Compute host " + req.host + " could not be "
                                                            "found.");
      return host_view_list{self->state.selector->views(now())};
    },
    [self, now](get_host_views&) -> host_view_list {
      return host_view_list{self->state.selector->views(now())};
    },
  };
}

} // namespace

scheduler_actor spawn_scheduler(caf::actor_system& sys, host_selector selector) {
  return sys.spawn(scheduler, std::move(selector));
}

} // namespace vmforge
