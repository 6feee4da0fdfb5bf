#include "actors/instance_store.hpp"

#include <caf/all.hpp>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

struct subscriber {
  caf::actor observer;
  bool final_only;
};

struct instance_store_state {
  static inline const char* name = "instance_store";
  std::shared_ptr<instance_repository> repo;
  std::vector<subscriber> subscribers;
};

using store_pointer = store_actor::stateful_pointer<instance_store_state>;

bool is_final(const instance_transition& t) {
  return t.task == task_state::none
         && (t.vm == vm_state::active || t.vm == vm_state::error
             || t.vm == vm_state::deleted);
}

void notify(store_pointer self, instance_transition t) {
  auto& subs = self->state.subscribers;
  if (subs.empty())
    return;
  auto final_state = is_final(t);
  for (auto& s : subs)
    if (!s.final_only || final_state)
      caf::anon_send(s.observer, t);
}

void notify_row(store_pointer self, const instance& row) {
  notify(self, {row.id, row.vm, row.task, row.host, row.updated_us});
}

store_actor::behavior_type
instance_store(store_pointer self, std::shared_ptr<instance_repository> repo) {
  self->state.repo = std::move(repo);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const subscriber& s) {
                                return s.observer.address() == dm.source;
                              }),
               subs.end());
  });
  return {
    [self](create_instances& req) -> caf::result<instance_list> {
      auto rows = self->state.repo->create(std::move(req.rows), req.min_count,
                                           req.limits);
      if (!rows)
        return rows.error();
      for (auto& row : *rows)
        notify_row(self, row);
      return instance_list{std::move(*rows)};
    },
    [self](instance_update& update) {
      if (auto row = self->state.repo->apply(update))
        notify_row(self, *row);
    },
    [self](instance_deleted& del) {
      if (self->state.repo->remove(del.id))
        notify(self, {del.id, vm_state::deleted, task_state::none, {},
                      now_us()});
    },
    [self](get_instance& q) -> caf::result<instance> {
      if (auto row = self->state.repo->find(q.id))
        return *row;
      return caf::make_error(api_errc::not_found,
                             "Instance " + q.id + " could not be found.");
    },
    [self](list_instances& q) -> instance_list {
      return instance_list{self->state.repo->list(q)};
    },
    [self](edit_instance& change) -> caf::result<instance> {
      if (auto row = self->state.repo->edit(change))
        return *row;
      return caf::make_error(api_errc::not_found, "Instance " + change.id
                                                    + " could not be found.");
    },
    [self](begin_task& req) -> caf::result<instance> {
      auto row = self->state.repo->begin(req);
      if (!row)
        return row.error();
      notify_row(self, *row);
      return std::move(*row);
    },
    [self](set_locked& req) -> caf::result<instance> {
      if (auto row = self->state.repo->lock(req))
        return *row;
      return caf::make_error(api_errc::not_found,
                             "Instance " + req.id + " could not be found.");
    },
    [self](change_metadata& req) -> caf::result<instance> {
      auto row = self->state.repo->metadata(req);
      if (!row)
        return row.error();
      return std::move(*row);
    },
    [self](record_action& rec) { self->state.repo->record(rec); },
    [self](get_actions& q) -> action_list {
      return action_list{self->state.repo->actions(q.instance_id)};
    },
    [self](get_usage& q) -> project_usage {
      return self->state.repo->usage(q.project_id);
    },
    [self](subscribe_transitions& sub) {
      self->monitor(sub.observer);
      self->state.subscribers.push_back({sub.observer, sub.final_only});
    },
  };
}

} // namespace

store_actor spawn_instance_store(caf::actor_system& sys,
                                 std::shared_ptr<instance_repository> repo) {
  return sys.spawn(instance_store, std::move(repo));
}

} // namespace vmforge
