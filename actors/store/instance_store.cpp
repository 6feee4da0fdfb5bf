#include "actors/store/instance_store.hpp"

#include <deque>
#include <functional>

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "store/ipam.hpp"
#include "store/writer.hpp"

namespace vmforge {

namespace {

struct subscriber {
  caf::actor observer;
  bool final_only;
};

struct instance_store_state {
  static inline const char* name = "instance_store";
  std::shared_ptr<instance_repository> repo;
  std::shared_ptr<store_writer> writer;
  metrics::registry_ptr metrics;
  std::vector<subscriber> subscribers;
  /// The configured networks' addresses, rebuilt from the rows at start.
  std::unique_ptr<vmforge::ipam> ipam;
  /// The host each instance's interfaces were allocated for (a late
  /// release from a host the build already left must not free them).
  std::unordered_map<std::string, std::string> bound_to;
  /// Answers held until the writes before them are durable, in order.
  std::deque<std::pair<uint64_t, std::function<void()>>> waiting;
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

// After every change of a row's vm_state (a few atomic stores).
void count_states(store_pointer self) {
  auto& st = self->state;
  for (auto vm : all_vm_states)
    st.metrics->builds.instances[static_cast<size_t>(vm)]->Set(
      static_cast<double>(st.repo->count(vm)));
}

void notify_row(store_pointer self, const instance& row) {
  notify(self, {row.id, row.vm, row.task, row.host, row.updated_us});
}

// `urgent`: a client's answer waits for it (see when_durable); the
// pipeline's own transitions are written behind.
void persist(store_pointer self, const instance& row, bool urgent,
             bool metadata = false) {
  if (auto& w = self->state.writer)
    w->put_instance(row, metadata, urgent);
}

template <class Fn>
void persist_with(store_pointer self, Fn fn) {
  if (auto& w = self->state.writer)
    w->submit(std::move(fn));
}

// Answers `value` once everything written so far is durable (at once
// without a database).
template <class T>
caf::result<T> when_durable(store_pointer self, T value) {
  auto& st = self->state;
  if (!st.writer || st.writer->last_durable() >= st.writer->last_queued())
    return value;
  auto rp = self->make_response_promise<T>();
  st.waiting.emplace_back(st.writer->last_queued(),
                          [rp, value = std::move(value)]() mutable {
                            rp.deliver(std::move(value));
                          });
  return rp;
}

// A write a client's answer waits for: answered once it is durable.
template <class Fn>
caf::result<store_synced> save(store_pointer self, Fn fn) {
  persist_with(self, std::move(fn));
  return when_durable(self, store_synced{});
}

// The row's interfaces are gone: their addresses are free again.
void free_network(store_pointer self, const std::string& id) {
  self->state.ipam->release(id);
  self->state.bound_to.erase(id);
}

caf::result<network_info> allocate(store_pointer self,
                                   const allocate_network& req) {
  auto& st = self->state;
  auto row = st.repo->find(req.instance_id);
  if (row == nullptr)
    return nova_error(errc::instance_not_found, req.instance_id);
  auto vifs = st.ipam->allocate(row->id, row->requested_networks);
  if (!vifs)
    return vifs.error();
  st.bound_to[row->id] = req.host;
  if (vifs->empty() && row->vifs.empty())
    return network_info{};
  row = st.repo->set_vifs(row->id, *vifs);
  // Written at once: a host plugs only what a restart would find again.
  persist(self, *row, true, true);
  return when_durable(self, network_info{std::move(*vifs)});
}

void release(store_pointer self, const release_network& req) {
  auto& st = self->state;
  if (auto i = st.bound_to.find(req.instance_id);
      i != st.bound_to.end() && i->second != req.host)
    return;
  free_network(self, req.instance_id);
  if (auto row = st.repo->find(req.instance_id); row && !row->vifs.empty())
    persist(self, *st.repo->set_vifs(req.instance_id, {}), true, true);
}

// Drops the deleted rows past their retention, from memory and the
// database (their actions, faults and metadata with them).
void expire_deleted(store_pointer self) {
  for (auto& [id, db_id] : self->state.repo->expire(now_us()))
    if (auto& w = self->state.writer)
      w->drop_instance(id, [db_id = db_id](database& db) {
        db.drop_instance(db_id);
      });
}

void on_durable(store_pointer self, uint64_t seq) {
  auto& waiting = self->state.waiting;
  while (!waiting.empty() && waiting.front().first <= seq) {
    waiting.front().second();
    waiting.pop_front();
  }
}

store_actor::behavior_type
instance_store(store_pointer self, std::shared_ptr<instance_repository> repo,
               metrics::registry_ptr metrics,
               std::shared_ptr<store_writer> writer,
               std::vector<network> networks) {
  self->state.repo = std::move(repo);
  self->state.ipam = std::make_unique<ipam>(std::move(networks));
  for (auto& row : self->state.repo->list({}))
    self->state.ipam->adopt(row.id, row.vifs);
  self->state.writer = writer;
  self->state.metrics = std::move(metrics);
  count_states(self);
  expire_deleted(self);
  if (writer) {
    auto me = caf::actor_cast<store_actor>(self);
    writer->set_listener(
      [me](uint64_t seq) { caf::anon_send(me, writes_durable{seq}); });
  }
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
      for (auto& row : *rows) {
        persist(self, row, true, true);
        notify_row(self, row);
      }
      count_states(self);
      return when_durable(self, instance_list{std::move(*rows)});
    },
    [self](instance_update& update) {
      if (auto row = self->state.repo->apply(update)) {
        // The metadata rows go too when the system metadata changed.
        persist(self, *row, update.acknowledged,
                !update.system_metadata.empty()
                  || !update.drop_system_metadata.empty());
        if (update.set_fault)
          persist_with(self, [id = row->db_id, f = row->fault_](database& db) {
            db.add_fault(id, f);
          });
        notify_row(self, *row);
        if (update.set_vm)
          count_states(self);
      }
    },
    [self](instance_deleted& del) {
      if (auto row = self->state.repo->remove(del.id)) {
        free_network(self, del.id);
        // The kept row, its interfaces gone (the metadata rows rewritten).
        persist(self, *row, true, true);
        notify(self, {del.id, vm_state::deleted, task_state::none, {},
                      row->terminated_us});
        count_states(self);
        expire_deleted(self);
      }
    },
    [self](get_instance& q) -> caf::result<instance> {
      auto& repo = *self->state.repo;
      if (auto row = repo.find(q.id))
        return *row;
      if (auto row = q.read_deleted ? repo.find_deleted(q.id) : nullptr)
        return *row;
      return nova_error(errc::instance_not_found, q.id);
    },
    [self](find_instances& q) -> instance_list {
      instance_list out;
      for (auto& id : q.ids)
        if (auto row = self->state.repo->find(id))
          out.items.push_back(*row);
      return out;
    },
    [self](list_instances& q) -> instance_list {
      return instance_list{self->state.repo->list(q)};
    },
    [self](edit_instance& change) -> caf::result<instance> {
      if (auto row = self->state.repo->edit(change)) {
        // Tags are rows of their own table, written with the metadata.
        persist(self, *row, true, change.set_tags);
        return when_durable(self, *row);
      }
      return nova_error(errc::instance_not_found, change.id);
    },
    [self](change_security_group& req) -> caf::result<instance> {
      if (auto row = self->state.repo->security_group(req)) {
        persist(self, *row, true);
        return when_durable(self, *row);
      }
      return nova_error(errc::instance_not_found, req.id);
    },
    [self](begin_task& req) -> caf::result<task_begun> {
      auto begun = self->state.repo->begin(req);
      if (!begun)
        return begun.error();
      if (!begun->started)
        return std::move(*begun); // nothing changed, nothing to wait for
      persist(self, begun->row, true);
      notify_row(self, begun->row);
      return when_durable(self, std::move(*begun));
    },
    [self](set_locked& req) -> caf::result<instance> {
      if (auto row = self->state.repo->lock(req)) {
        persist(self, *row, true);
        return when_durable(self, *row);
      }
      return nova_error(errc::instance_not_found, req.id);
    },
    [self](change_metadata& req) -> caf::result<instance> {
      auto row = self->state.repo->metadata(req);
      if (!row)
        return row.error();
      persist(self, *row, true, true);
      return when_durable(self, std::move(*row));
    },
    [self](record_action& rec) {
      auto& repo = *self->state.repo;
      repo.record(rec);
      auto& w = self->state.writer;
      auto row = repo.find(rec.instance_id);
      if (row == nullptr)
        row = repo.find_deleted(rec.instance_id);
      if (!w || row == nullptr)
        return; // the instance is gone, and its history with it
      // The whole action as it now is, events included.
      if (auto a = repo.action(rec.instance_id, rec.action.request_id))
        w->put(rec.instance_id, a->request_id,
               [id = row->db_id, a = *a](database& db) {
                 db.put_action(id, a);
               });
    },
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
    [self](sync_store&) { return when_durable(self, store_synced{}); },
    [self](save_flavor& req) {
      return save(self, [f = std::move(req.flavor_),
                         projects = std::move(req.projects)](database& db) {
        db.put_flavor(f, projects);
      });
    },
    [self](save_aggregate& req) {
      return save(self, [a = std::move(req.agg)](database& db) {
        db.put_aggregate(a);
      });
    },
    [self](drop_aggregate& req) {
      return save(self, [id = req.id](database& db) {
        db.drop_aggregate(id);
      });
    },
    [self](drop_flavor& req) {
      return save(self, [id = std::move(req.id)](database& db) {
        db.drop_flavor(id);
      });
    },
    [self](save_keypair& req) {
      return save(self, [kp = std::move(req.kp)](database& db) {
        db.put_keypair(kp);
      });
    },
    [self](drop_keypair& req) {
      return save(self, [req = std::move(req)](database& db) {
        db.drop_keypair(req.user_id, req.name);
      });
    },
    [self](save_quotas& req) {
      return save(self, [entries = std::move(req.entries)](database& db) {
        for (auto& q : entries)
          db.put_quota(q);
      });
    },
    [self](drop_project_quotas& req) {
      return save(self, [id = std::move(req.project_id)](database& db) {
        db.drop_project_quotas(id);
      });
    },
    [self](save_security_groups& req) {
      return save(self, [req = std::move(req)](database& db) {
        db.put_security_groups(req.project_id, req.groups);
      });
    },
    [self](save_server_group& req) {
      return save(self, [g = std::move(req.group)](database& db) {
        db.put_server_group(g);
      });
    },
    [self](drop_server_group& req) {
      return save(self, [id = std::move(req.id)](database& db) {
        db.drop_server_group(id);
      });
    },
    [self](save_host_status& req) {
      return save(self, [req = std::move(req)](database& db) {
        db.set_host_status(req.host, req.disabled, req.reason);
      });
    },
    [self](save_host_forced_down& req) {
      return save(self, [req = std::move(req)](database& db) {
        db.set_host_forced_down(req.host, req.forced_down);
      });
    },
    [self](writes_durable& d) { on_durable(self, d.seq); },
    [self](allocate_network& req) { return allocate(self, req); },
    [self](release_network& req) { release(self, req); },
    [self](list_networks&) {
      return network_list{self->state.ipam->networks()};
    },
    [self](host_report& r) {
      persist_with(self, [r](database& db) {
        db.put_host(host_record{r.host, r.availability_zone, r.capacity, false,
                                {}, now_us()});
      });
    },
  };
}

} // namespace

store_actor spawn_instance_store(caf::actor_system& sys,
                                 std::shared_ptr<instance_repository> repo,
                                 metrics::registry_ptr metrics,
                                 std::shared_ptr<store_writer> writer,
                                 std::vector<network> networks) {
  return sys.spawn(instance_store, std::move(repo), std::move(metrics),
                   std::move(writer), std::move(networks));
}

} // namespace vmforge
