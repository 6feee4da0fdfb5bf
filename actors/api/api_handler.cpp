#include "actors/api/api_handler.hpp"

#include <algorithm>
#include <tuple>

#include <caf/all.hpp>

#include "actors/api/aggregates.hpp"
#include "actors/api/availability_zones.hpp"
#include "actors/api/catalog.hpp"
#include "actors/api/create_plan.hpp"
#include "actors/api/external_events.hpp"
#include "actors/api/image_checks.hpp"
#include "actors/api/keypairs.hpp"
#include "actors/api/quotas.hpp"
#include "actors/api/server_admin.hpp"
#include "actors/api/security_groups.hpp"
#include "actors/api/server_groups.hpp"
#include "actors/api/server_rules.hpp"
#include "actors/api/server_tags.hpp"
#include "actors/api/snapshot_plan.hpp"
#include "actors/api/tenant_usage.hpp"
#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "util/deadline_queue.hpp"
#include "util/log.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

struct api_state {
  static inline const char* name = "api_handler";
  api_config cfg;
  catalog flavors_and_zones;
  aggregates aggs;
  quotas quota;
  keypairs keys;
  security_groups groups;
  server_groups server_groups_;
  /// Set at shutdown: creates are refused with 503.
  bool refusing_builds = false;
  /// Requests to the store and scheduler awaiting their answers.
  request_deadlines<deadline_tick> deadlines;
};

using api_pointer = api_actor::stateful_pointer<api_state>;

caf::error policy(const std::string& rule) {
  return nova_error(errc::policy_not_authorized, rule);
}

// -- asking the other actors --------------------------------------------------

const char* name_of(const store_actor&) {
  return "store";
}

const char* name_of(const scheduler_actor&) {
  return "scheduler";
}

const char* name_of(const image_actor&) {
  return "image service";
}

// A console read: the conductor and the instance's host.
const char* name_of(const conductor_actor&) {
  return "compute host";
}

// A failed request's answer. A timeout means the service is stuck: the
// client gets Nova's ServiceUnavailable (503) and the log says who.
caf::error failure(const char* to, caf::error err) {
  if (err != caf::sec::request_timeout)
    return err;
  log::error("api_handler", "no answer from the ", to, " within ",
             api_request_timeout.count(), " s");
  return nova_error(errc::service_unavailable,
                    "Service is unavailable at this time.");
}

// Asks `dest` and runs `then` with its answer; a failure, or no answer
// within api_request_timeout, answers `rp`. The deadline is the actor's
// own (deadline_queue), not a CAF request timeout per request.
template <class T, class Dest, class Msg, class F>
void ask(api_pointer self, caf::typed_response_promise<T> rp,
         const Dest& dest, Msg msg, F then) {
  self->state.deadlines.request(
    self, dest, api_request_timeout, std::move(msg), std::move(then),
    [rp, to = name_of(dest)](caf::error& err) mutable {
      rp.deliver(failure(to, std::move(err)));
    });
}

// Answers `rp` with what `dest` answers.
template <class T, class Dest, class Msg>
void forward(api_pointer self, caf::typed_response_promise<T> rp,
             const Dest& dest, Msg msg) {
  ask(self, rp, dest, std::move(msg),
      [rp](T& x) mutable { rp.deliver(std::move(x)); });
}

template <class T, class Dest, class Msg>
caf::result<T> forward(api_pointer self, const Dest& dest, Msg msg) {
  auto rp = self->make_response_promise<T>();
  forward(self, rp, dest, std::move(msg));
  return rp;
}

// Answers `rp` with `value` once the store has `write` (a save_* or
// drop_*) on disk.
template <class T, class Write>
void deliver_saved(api_pointer self, caf::typed_response_promise<T> rp,
                   T value, Write write) {
  ask(self, rp, self->state.cfg.store, std::move(write),
      [rp, value](store_synced&) mutable { rp.deliver(std::move(value)); });
}

template <class T, class Write>
caf::result<T> saved(api_pointer self, T value, Write write) {
  auto rp = self->make_response_promise<T>();
  deliver_saved(self, rp, std::move(value), std::move(write));
  return rp;
}

// A write nobody waits for (the answer is on its way already); a failure
// is logged, the memory keeps what the write would have stored.
template <class Write>
void send_write(api_pointer self, Write write) {
  self->request(self->state.cfg.store, api_request_timeout, std::move(write))
    .then([](store_synced&) {},
          [](caf::error& err) {
            log::error("api_handler", "a server group was not written: ",
                       error_message(err));
          });
}

bool visible(const request_context& ctx, const instance& row) {
  // Another project's server is 404, not 403 (project_only queries).
  return ctx.is_admin || row.project_id == ctx.project_id;
}

// Looks the row up and runs `then(row, rp)` if the caller may see it; an
// unknown row or another project's is 404.
template <class T, class F>
caf::result<T> with_visible_row(api_pointer self, const request_context& ctx,
                                const std::string& id, F then,
                                bool read_deleted = false) {
  auto rp = self->make_response_promise<T>();
  ask(self, rp, self->state.cfg.store, get_instance{id, read_deleted},
      [rp, ctx, then](instance& row) mutable {
        if (visible(ctx, row))
          then(row, rp);
        else
          rp.deliver(nova_error(errc::instance_not_found, row.id));
      });
  return rp;
}

void record_user_action(api_pointer self, const request_context& ctx,
                        const std::string& id, const std::string& action) {
  record_action rec;
  rec.instance_id = id;
  rec.action = action_record{action, ctx.request_id, ctx.user_id,
                             ctx.project_id, now_us(), {}};
  self->send(self->state.cfg.store, std::move(rec));
}

// -- servers ------------------------------------------------------------------

caf::error refused_build() {
  return nova_error(errc::service_unavailable,
                    "vmforged is shutting down: no new builds are "
                    "accepted.");
}

// Nova's _provision_instances: the new servers join the create's group
// (if it still exists: it may have been deleted meanwhile), written behind;
// the builds carry the group as it is now.
instance_group_spec join_group(api_pointer self, const std::string& group_id,
                               const std::vector<std::string>& ids) {
  auto& st = self->state;
  if (group_id.empty() || st.server_groups_.find(group_id) == nullptr)
    return {};
  auto g = st.server_groups_.add_members(group_id, ids);
  send_write(self, save_server_group{g});
  return group_spec_of(g);
}

// The rows of a request whose image passed, then a record and a build
// (with the checked image and the caller's image_auth) per row.
void create_rows(api_pointer self,
                 caf::typed_response_promise<servers_created> rp,
                 const create_servers& req, const flavor& fl, image img) {
  auto& st = self->state;
  // The shutdown may have begun while the image service was asked.
  if (st.refusing_builds) {
    rp.deliver(refused_build());
    return;
  }
  // Nova's utils.generate_uid('r'): "r-" and 8 characters.
  auto rid = "r-" + make_uuid().substr(0, 8);
  auto ins = rows_of(req, fl, st.quota,
                     st.cfg.opts.multi_instance_display_name_template, rid,
                     guest_of(req, st.keys, img, st.cfg.opts.force_config_drive),
                     img.properties);
  ask(self, rp, st.cfg.store, std::move(ins),
      [self, rp, rid, request_id = req.ctx.request_id,
       auth = image_auth_of(req.ctx), group_id = req.group,
       img = std::move(img)](instance_list& rows) mutable {
        auto& st = self->state;
        servers_created out;
        out.reservation_id = rid;
        for (auto& row : rows.items)
          out.ids.push_back(row.id);
        auto group = join_group(self, group_id, out.ids);
        for (auto& row : rows.items) {
          record_action rec;
          rec.instance_id = row.id;
          rec.action = action_record{"create", request_id, row.user_id,
                                     row.project_id, row.created_us, {}};
          self->send(st.cfg.store, std::move(rec));
          auto build = build_of(row, request_id);
          build.image_ = img;
          build.auth = auth;
          build.group = group;
          self->send(st.cfg.conductor, std::move(build));
        }
        rp.deliver(std::move(out));
      });
}

// The images the server boots by direct kernel, from `next` on, each
// asked of the image service and checked; then the rows.
void check_boot_files(api_pointer self,
                      caf::typed_response_promise<servers_created> rp,
                      create_servers req, flavor fl, image img,
                      std::vector<boot_file> files, size_t next) {
  if (next == files.size()) {
    create_rows(self, rp, req, fl, std::move(img));
    return;
  }
  auto which = files[next];
  ask(self, rp, self->state.cfg.images,
      image_show{image_auth_of(req.ctx), which.id},
      [self, rp, req = std::move(req), fl = std::move(fl),
       img = std::move(img), files = std::move(files), next,
       which](image& file) mutable {
        if (auto err = image_checks::check_boot_file(img, which, file)) {
          rp.deliver(std::move(err));
          return;
        }
        check_boot_files(self, rp, std::move(req), std::move(fl),
                         std::move(img), std::move(files), next + 1);
      });
}

// The create's group hint: an unknown group is 400 (Nova's
// InstanceGroupNotFound at create), more members than the group's
// server_group_members quota 403. Counted with max_count: the rows' count
// is not known yet.
caf::error check_group(const api_state& st, const create_servers& req) {
  if (req.group.empty())
    return caf::none;
  auto err = st.server_groups_.check_members(
    req.group, req.max_count,
    st.quota.limit(req.ctx.project_id, "server_group_members"));
  if (err == errc::instance_group_not_found)
    return nova_error(errc::invalid_input, error_message(err));
  return err;
}

// POST /servers: what needs no image first (create_plan's validate), then
// the image from the image service and Nova's checks of it against the
// flavor, then the rows. A missing image is ImageNotFound, which the HTTP
// layer answers in Nova's create words.
caf::result<servers_created> on_create(api_pointer self, create_servers& req) {
  auto& st = self->state;
  if (st.refusing_builds)
    return refused_build();
  if (auto err = validate(req, st.flavors_and_zones, st.quota, st.keys,
                          st.groups))
    return err;
  if (auto err = check_networks(req, st.cfg.opts.networks))
    return err;
  if (auto err = check_group(st, req))
    return err;
  auto fl = st.flavors_and_zones.flavor_of(req.flavor_ref, req.ctx).value();
  auto rp = self->make_response_promise<servers_created>();
  ask(self, rp, st.cfg.images, image_show{image_auth_of(req.ctx), req.image_ref},
      [self, rp, req, fl](image& img) mutable {
        // Nova's zero_disk_flavor policy: admins only.
        image_checks checks{req.ctx.is_admin};
        if (auto err = checks.check(img, fl, req.disk_config)) {
          rp.deliver(std::move(err));
          return;
        }
        auto files = image_checks::boot_files(img);
        check_boot_files(self, rp, std::move(req), std::move(fl),
                         std::move(img), std::move(files), 0);
      });
  return rp;
}

caf::result<accepted> on_delete(api_pointer self, delete_server& req) {
  return with_visible_row<accepted>(
    self, req.ctx, req.id, [self, ctx = req.ctx](instance& row, auto& rp) {
      if (auto err = check(delete_rule, row, ctx.is_admin)) {
        rp.deliver(std::move(err));
        return;
      }
      // Nova's _delete_instance: task_state deleting, vm_state unchanged.
      instance_update u;
      u.id = row.id;
      u.set_vm = false;
      u.task = task_state::deleting;
      u.expected = task_set::any();
      u.acknowledged = true;
      auto& st = self->state;
      self->send(st.cfg.store, std::move(u));
      // Nova's instance action "delete": the history a deleted server
      // keeps (2.21's os-instance-actions).
      record_user_action(self, ctx, row.id, "delete");
      self->send(st.cfg.conductor, delete_request{row.id, row.host});
      for (auto& g : st.server_groups_.remove_member(row.id))
        send_write(self, save_server_group{std::move(g)});
      // The 204 only once the deleting state is on disk.
      ask(self, rp, st.cfg.store, sync_store{},
          [rp, id = row.id](store_synced&) mutable {
            rp.deliver(accepted{id});
          });
    });
}

caf::result<instance_list> on_list(api_pointer self, list_servers& req) {
  if (req.all_tenants && !req.ctx.is_admin)
    return policy("os_compute_api:servers:index:get_all_tenants");
  list_instances q;
  if (!req.all_tenants)
    q.project_id = req.ctx.project_id;
  else
    q.project_id = req.tenant_id;
  // Nova's admin-only filters: a user's host filter is dropped.
  if (req.ctx.is_admin)
    q.host = req.host;
  // Only admins see deleted servers (Nova drops a user's deleted filter).
  q.only_deleted = req.deleted && req.ctx.is_admin;
  q.with_deleted = req.with_deleted;
  return forward<instance_list>(self, self->state.cfg.store, std::move(q));
}

// os-simple-tenant-usage: every tenant's for admins, a tenant's own for
// its members (Nova's list and show policies).
caf::result<usage_report> on_tenant_usage(api_pointer self,
                                          get_tenant_usage& req) {
  auto& tenant = req.query.tenant_id;
  if (tenant.empty() && !req.ctx.is_admin)
    return policy("os_compute_api:os-simple-tenant-usage:list");
  if (!req.ctx.is_admin && tenant != req.ctx.project_id)
    return policy("os_compute_api:os-simple-tenant-usage:show");
  auto rp = self->make_response_promise<usage_report>();
  // Every row, deleted ones too: a marker may name any instance.
  list_instances q;
  q.with_deleted = true;
  ask(self, rp, self->state.cfg.store, std::move(q),
      [rp, query = req.query](instance_list& l) mutable {
        auto report = tenant_usage_of(std::move(l.items), query, now_us());
        if (report)
          rp.deliver(std::move(*report));
        else
          rp.deliver(std::move(report.error()));
      });
  return rp;
}

// os-server-external-events: each event decided on the rows found; the
// accepted ones are logged, recorded as Nova's API records them, and a
// power-update syncs the row's state (there is no Ironic to forward to;
// the others have no consumer here: vif plugging is the host's own).
caf::result<server_events> on_server_events(api_pointer self,
                                            server_events& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-server-external-events:create");
  find_instances q;
  for (auto& e : req.events)
    q.ids.push_back(e.server_uuid);
  auto rp = self->make_response_promise<server_events>();
  ask(self, rp, self->state.cfg.store, std::move(q),
      [self, rp, req](instance_list& found) mutable {
        decide_events(req.events, found.items);
        for (auto& e : req.events) {
          if (e.code != 200)
            continue;
          auto& row = *std::find_if(
            found.items.begin(), found.items.end(),
            [&](const instance& r) { return r.id == e.server_uuid; });
          log::info("api_handler", "event ", e.name, ":", e.tag,
                    " for instance ", e.server_uuid, " on ", row.host);
          if (auto action = recorded_action(e))
            record_user_action(self, req.ctx, row.id, action);
          if (auto u = power_update_of(e, row))
            self->send(self->state.cfg.store, std::move(*u));
        }
        rp.deliver(std::move(req));
      });
  return rp;
}

// Starts `rule` if the row allows it. The store sets the task only if the
// row still does; if it changed meanwhile, the rules decide on it again.
void start_action(api_pointer self, caf::typed_response_promise<accepted> rp,
                  const server_rule& rule, const request_context& ctx,
                  const instance& row) {
  if (auto err = check(rule, row, ctx.is_admin)) {
    rp.deliver(std::move(err));
    return;
  }
  ask(self, rp, self->state.cfg.store, begin_of(rule, row.id, ctx.is_admin),
      [self, rp, rule = &rule, ctx](task_begun& begun) mutable {
        auto& row = begun.row;
        if (!begun.started) {
          start_action(self, rp, *rule, ctx, row);
          return;
        }
        record_user_action(self, ctx, row.id, rule->name);
        self->send(self->state.cfg.conductor,
                   instance_action{row.id, row.host,
                                   call_of(rule->task).value(),
                                   ctx.request_id});
        rp.deliver(accepted{row.id});
      });
}

caf::result<tag_list> on_tags(api_pointer self, server_tags& req) {
  return with_visible_row<tag_list>(
    self, req.ctx, req.id,
    [self, op = req.op, args = req.tags](instance& row, auto& rp) {
      auto change = apply_tags(row, op, args);
      if (!change) {
        rp.deliver(change.error());
        return;
      }
      if (!change->changed) {
        rp.deliver(tag_list{change->tags, false});
        return;
      }
      edit_instance edit;
      edit.id = row.id;
      edit.set_tags = true;
      edit.tags = change->tags;
      ask(self, rp, self->state.cfg.store, std::move(edit),
          [rp, created = change->created](instance& r) mutable {
            rp.deliver(tag_list{r.tags, created});
          });
    });
}

caf::result<accepted> on_action(api_pointer self, server_action& req) {
  auto ctx = req.ctx;
  if (req.action == "lock" || req.action == "unlock") {
    auto lock = req.action == "lock";
    return with_visible_row<accepted>(
      self, ctx, req.id,
      [self, lock, ctx, reason = req.locked_reason](instance& row, auto& rp) {
        record_user_action(self, ctx, row.id, lock ? "lock" : "unlock");
        ask(self, rp, self->state.cfg.store, set_locked{row.id, lock, reason},
            [rp](instance& r) mutable { rp.deliver(accepted{r.id}); });
      });
  }
  // The server is looked up first: an unknown one is 404 whatever the action.
  auto rule = power_action(req.action, req.hard);
  return with_visible_row<accepted>(
    self, ctx, req.id,
    [self, rule, ctx, action = req.action](instance& row, auto& rp) {
      if (rule == nullptr)
        rp.deliver(nova_error(errc::invalid_input,
                              "There is no such action: " + action));
      else
        start_action(self, rp, *rule, ctx, row);
    });
}

// Nova's admin_actions._reset_state: the server looked up first (404),
// then the policy on it; vm_state set, task_state cleared, recorded as
// the instance action resetState, answered once on disk.
caf::result<accepted> on_reset_state(api_pointer self,
                                     reset_server_state& req) {
  return with_visible_row<accepted>(
    self, req.ctx, req.id,
    [self, ctx = req.ctx, state = req.state](instance& row, auto& rp) {
      if (!ctx.is_admin) {
        rp.deliver(policy("os_compute_api:os-admin-actions:reset_state"));
        return;
      }
      record_user_action(self, ctx, row.id, "resetState");
      auto& st = self->state;
      self->send(st.cfg.store, reset_state_update(row.id, state));
      ask(self, rp, st.cfg.store, sync_store{},
          [rp, id = row.id](store_synced&) mutable {
            rp.deliver(accepted{id});
          });
    });
}

// os-server-password: what the metadata service stored in the system
// metadata; a DELETE clears it (Nova's convert_password(None)).
caf::result<server_password> on_server_password(api_pointer self,
                                                server_password_request& req) {
  return with_visible_row<server_password>(
    self, req.ctx, req.id, [self, clear = req.clear](instance& row, auto& rp) {
      if (!clear) {
        rp.deliver(server_password{extract_password(row.system_metadata)});
        return;
      }
      edit_instance edit;
      edit.id = row.id;
      edit.drop_system_metadata_prefix = password_key_prefix;
      ask(self, rp, self->state.cfg.store, std::move(edit),
          [rp](instance& r) mutable {
            rp.deliver(server_password{extract_password(r.system_metadata)});
          });
    });
}

// Nova's API.get_console_output: the row's host reads its log, through
// the conductor, which knows the hosts.
caf::result<console_text> on_console(api_pointer self, console_request& req) {
  return with_visible_row<console_text>(
    self, req.ctx, req.id, [self, length = req.length](instance& row, auto& rp) {
      if (auto err = check_console(row)) {
        rp.deliver(std::move(err));
        return;
      }
      forward(self, rp, self->state.cfg.conductor,
              get_console_output{row.id, row.host, length});
    });
}

// -- snapshots and shelving ---------------------------------------------------

caf::error no_image_service() {
  return nova_error(errc::service_unavailable,
                    "There is no image service to snapshot to.");
}

std::string image_url_of(api_pointer self, const std::string& id) {
  auto& fn = self->state.cfg.image_url;
  return fn ? fn(id) : "/images/" + id;
}

// A queued image nobody will upload to goes (Nova's API.snapshot when the
// instance disappeared meanwhile); its answer does not matter.
void drop_image(api_pointer self, const request_context& ctx,
                const std::string& image_id) {
  auto& images = self->state.cfg.images;
  if (!images || image_id.empty())
    return;
  self->request(images, api_request_timeout,
                image_remove{image_auth_of(ctx), image_id})
    .then([](image_removed&) {},
          [image_id](caf::error& err) {
            log::warning("api_handler", "the queued image ", image_id,
                         " stays: ", error_message(err));
          });
}

// Starts `rule` on the row (the store sets its task only while the row
// still allows it), then `then(row)`; a row that no longer allows it is
// refused with the rules' error after `refused()`.
template <class T, class F, class R>
void begin_rule(api_pointer self, caf::typed_response_promise<T> rp,
                const server_rule& rule, const request_context& ctx,
                const std::string& id, F then, R refused) {
  ask(self, rp, self->state.cfg.store, begin_of(rule, id, ctx.is_admin),
      [self, rp, rule = &rule, ctx, then, refused](task_begun& begun) mutable {
        auto& row = begun.row;
        if (!begun.started) {
          if (auto err = check(*rule, row, ctx.is_admin)) {
            refused();
            rp.deliver(std::move(err));
            return;
          }
          begin_rule(self, rp, *rule, ctx, row.id, std::move(then),
                     std::move(refused));
          return;
        }
        then(row);
      });
}

void send_operation(api_pointer self, const instance& row, instance_op op,
                    const std::string& image_id, const request_context& ctx,
                    const backup_rotation& backup = {}) {
  instance_operation o;
  o.backup = backup;
  o.instance_id = row.id;
  o.host = row.host;
  o.op = op;
  o.image_id = image_id;
  o.project_id = row.project_id;
  o.base_image_ref = base_image_ref(row);
  o.auth = image_auth_of(ctx);
  o.request_id = ctx.request_id;
  self->send(self->state.cfg.conductor, std::move(o));
}

// Nova's compute_utils.create_image first (the record, queued), then the
// task; `then(row, image)` once both are there.
template <class T, class F>
void snapshot_then(api_pointer self, caf::typed_response_promise<T> rp,
                   const server_rule& rule, const request_context& ctx,
                   const instance& row, const std::string& name,
                   const std::map<std::string, std::string>& metadata, F then) {
  auto& st = self->state;
  if (!st.cfg.images) {
    rp.deliver(no_image_service());
    return;
  }
  // What the snapshot inherits comes from the instance's image (Nova keeps
  // it in the instance's system metadata; vmforge asks the image service).
  // An image gone since is no reason to refuse.
  auto make = [self, rp, rule = &rule, ctx, row, name, metadata,
               then](const image* source) mutable {
    auto rec = snapshot_image(row, ctx, name, metadata, source);
    ask(self, rp, self->state.cfg.images, std::move(rec),
        [self, rp, rule, ctx, id = row.id, then](image& made) mutable {
          begin_rule(
            self, rp, *rule, ctx, id,
            [then, made](const instance& row) mutable { then(row, made); },
            [self, ctx, image_id = made.id] {
              drop_image(self, ctx, image_id);
            });
        });
  };
  st.deadlines.request(
    self, st.cfg.images, api_request_timeout,
    image_show{image_auth_of(ctx), row.image_id},
    [make](image& source) mutable { make(&source); },
    [make](caf::error&) mutable { make(nullptr); });
}

caf::result<image_created> on_create_image(api_pointer self,
                                           create_image& req) {
  return with_visible_row<image_created>(
    self, req.ctx, req.id, [self, req](instance& row, auto& rp) {
      auto& ctx = req.ctx;
      if (req.check_metadata_quota) {
        auto limit = self->state.quota.limit(ctx.project_id, "metadata_items");
        if (limit >= 0 && static_cast<int64_t>(req.metadata.size()) > limit) {
          rp.deliver(nova_error(errc::image_metadata_limit));
          return;
        }
      }
      // A backup is a snapshot that says so (Nova's API.backup).
      auto backup = req.backup.keep >= 0;
      auto& rule = backup ? create_backup_rule : create_image_rule;
      if (auto err = check(rule, row, ctx.is_admin)) {
        rp.deliver(std::move(err));
        return;
      }
      auto metadata = req.metadata;
      if (backup) {
        metadata["image_type"] = "backup";
        metadata["backup_type"] = req.backup.type;
      }
      snapshot_then(self, rp, rule, ctx, row, req.name, metadata,
                    [self, rp, ctx, rule = &rule,
                     rotation = req.backup](const instance& row,
                                            const image& made) mutable {
                      record_user_action(self, ctx, row.id, rule->name);
                      send_operation(self, row, instance_op::snapshot,
                                     made.id, ctx, rotation);
                      rp.deliver(image_created{made.id,
                                               image_url_of(self, made.id)});
                    });
    });
}

// An unshelve whose snapshot is gone (Nova's conductor: "Unshelve
// attempted but the image %s cannot be found.", the instance in ERROR).
void unshelve_without_image(api_pointer self, const instance& row,
                            const std::string& image_id) {
  auto why = "Unshelve attempted but the image " + image_id
             + " cannot be found.";
  log::error("api_handler", "instance ", row.id, ": ", why);
  instance_update u;
  u.id = row.id;
  u.vm = vm_state::error;
  u.task = task_state::none;
  u.expected = {task_state::unshelving};
  u.set_fault = true;
  u.fault_ = fault{404, why, {}, now_us()};
  self->send(self->state.cfg.store, std::move(u));
}

// Nova's conductor unshelve_instance for SHELVED_OFFLOADED: its snapshot
// looked up, then scheduled and spawned like a build from it.
void unshelve_offloaded(api_pointer self, const request_context& ctx,
                        const instance& row, bool set_zone,
                        const std::string& zone) {
  auto& st = self->state;
  auto snap = row.system_metadata.find("shelved_image_id");
  if (snap == row.system_metadata.end() || !st.cfg.images) {
    unshelve_without_image(self, row, snap == row.system_metadata.end()
                                        ? std::string{}
                                        : snap->second);
    return;
  }
  auto image_id = snap->second;
  self->request(st.cfg.images, api_request_timeout,
                image_show{image_auth_of(ctx), image_id})
    .then(
      [self, ctx, row, set_zone, zone](image& img) {
        auto b = build_of(row, ctx.request_id);
        b.image_id = img.id;
        b.image_ = std::move(img);
        b.auth = image_auth_of(ctx);
        b.unshelve = true;
        if (set_zone)
          b.availability_zone = zone;
        self->send(self->state.cfg.conductor, std::move(b));
      },
      [self, row, image_id](caf::error& err) {
        if (err == errc::image_not_found) {
          unshelve_without_image(self, row, image_id);
          return;
        }
        log::error("api_handler", "instance ", row.id,
                   ": unshelve cannot read its snapshot ", image_id, ": ",
                   error_message(err));
        instance_update u;
        u.id = row.id;
        u.set_vm = false;
        u.task = task_state::none;
        u.expected = {task_state::unshelving};
        u.set_fault = true;
        u.fault_ = fault{500, error_message(err), {}, now_us()};
        self->send(self->state.cfg.store, std::move(u));
      });
}

caf::result<accepted> on_shelve(api_pointer self, shelve_server& req) {
  const char* key = req.op == shelve_op::shelve    ? "shelve"
                    : req.op == shelve_op::offload ? "shelveOffload"
                                                   : "unshelve";
  auto rule = shelve_action(key);
  return with_visible_row<accepted>(
    self, req.ctx, req.id, [self, req, rule](instance& row, auto& rp) {
      auto& ctx = req.ctx;
      if (auto err = check(*rule, row, ctx.is_admin)) {
        rp.deliver(std::move(err));
        return;
      }
      auto nothing = [] {};
      switch (req.op) {
        case shelve_op::shelve:
          // Nova's API.shelve: the snapshot "<name>-shelved".
          snapshot_then(self, rp, *rule, ctx, row, row.name + "-shelved", {},
                        [self, rp, ctx](const instance& row,
                                        const image& made) mutable {
                          record_user_action(self, ctx, row.id, "shelve");
                          send_operation(self, row, instance_op::shelve,
                                         made.id, ctx);
                          rp.deliver(accepted{row.id});
                        });
          return;
        case shelve_op::offload:
          begin_rule(
            self, rp, *rule, ctx, row.id,
            [self, rp, ctx](const instance& row) mutable {
              record_user_action(self, ctx, row.id, "shelveOffload");
              send_operation(self, row, instance_op::shelve_offload, {}, ctx);
              rp.deliver(accepted{row.id});
            },
            nothing);
          return;
        case shelve_op::unshelve:
          break;
      }
      if (req.set_zone) {
        // Nova's _check_offloaded and _validate_unshelve_az.
        if (row.vm != vm_state::shelved_offloaded) {
          rp.deliver(nova_error(errc::unshelve_invalid_state, row.id,
                                to_string(row.vm)));
          return;
        }
        if (auto err = self->state.flavors_and_zones.check_zone(req.zone)) {
          rp.deliver(std::move(err));
          return;
        }
      }
      begin_rule(
        self, rp, *rule, ctx, row.id,
        [self, rp, ctx, set_zone = req.set_zone,
         zone = req.zone](const instance& row) mutable {
          record_user_action(self, ctx, row.id, "unshelve");
          if (row.vm == vm_state::shelved) {
            auto snap = row.system_metadata.find("shelved_image_id");
            send_operation(self, row, instance_op::unshelve,
                           snap == row.system_metadata.end() ? std::string{}
                                                             : snap->second,
                           ctx);
          } else {
            unshelve_offloaded(self, ctx, row, set_zone, zone);
          }
          rp.deliver(accepted{row.id});
        },
        nothing);
    });
}

caf::result<metadata_items> on_metadata(api_pointer self,
                                        server_metadata& req) {
  auto limit = self->state.quota.limit(req.ctx.project_id, "metadata_items");
  return with_visible_row<metadata_items>(
    self, req.ctx, req.id, [self, req, limit](instance& row, auto& rp) {
      switch (req.op) {
        case metadata_op::list:
          rp.deliver(metadata_items{row.metadata});
          return;
        case metadata_op::show_key: {
          auto i = row.metadata.find(req.key);
          if (i == row.metadata.end())
            rp.deliver(nova_error(errc::metadata_item_not_found));
          else
            rp.deliver(metadata_items{{{i->first, i->second}}});
          return;
        }
        default:
          break;
      }
      if (auto err = check(metadata_rule, row, req.ctx.is_admin)) {
        rp.deliver(std::move(err));
        return;
      }
      change_metadata change;
      change.id = row.id;
      change.items = req.items;
      change.replace = req.op == metadata_op::replace;
      change.limit = limit;
      if (req.op == metadata_op::delete_key)
        change.remove_key = req.key;
      ask(self, rp, self->state.cfg.store, std::move(change),
          [rp, op = req.op, items = req.items](instance& r) mutable {
            // Nova answers what was set, except for a full replace.
            if (op == metadata_op::merge || op == metadata_op::replace)
              rp.deliver(metadata_items{r.metadata});
            else
              rp.deliver(metadata_items{items});
          });
    });
}

// -- limits and quotas --------------------------------------------------------

caf::result<project_limits> on_limits(api_pointer self, get_limits& req) {
  auto& st = self->state;
  auto& project = req.ctx.project_id;
  auto rp = self->make_response_promise<project_limits>();
  ask(self, rp, st.cfg.store, get_usage{project},
      [rp, limits = st.quota.project(project), groups = st.groups.used(project),
       server_groups = st.server_groups_.count(project)](
        project_usage& use) mutable {
        rp.deliver(limits_view(limits, use, groups, server_groups));
      });
  return rp;
}

caf::result<quota_set_info> on_get_quota(api_pointer self, get_quota_set& req) {
  auto& st = self->state;
  if (!req.ctx.is_admin && req.ctx.project_id != req.project_id)
    return policy("os_compute_api:os-quota-sets:show");
  if (!req.quota_class.empty())
    return quota_view(st.quota.quota_class(req.quota_class));
  if (req.defaults)
    return quota_view(st.quota.defaults());
  auto limits = req.user_id.empty()
                  ? st.quota.project(req.project_id)
                  : st.quota.user(req.project_id, req.user_id);
  auto rp = self->make_response_promise<quota_set_info>();
  ask(self, rp, st.cfg.store, get_usage{req.project_id},
      [rp, limits, keys = st.keys.count(),
       server_groups = st.server_groups_.count(req.project_id)](
        project_usage& use) mutable {
        rp.deliver(quota_view(limits, use, keys, server_groups));
      });
  return rp;
}

caf::result<quota_set_info> on_update_quota(api_pointer self,
                                            update_quota_set& req) {
  auto& q = self->state.quota;
  if (!req.quota_class.empty()) {
    if (!req.ctx.is_admin)
      return policy("os_compute_api:os-quota-class-sets:update");
    save_quotas writes{q.set_class(req.quota_class, req.values)};
    return saved(self, quota_view(q.quota_class(req.quota_class)),
                 std::move(writes));
  }
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-quota-sets:update");
  if (req.user_id.empty()) {
    save_quotas writes{q.set_project(req.project_id, req.values)};
    return saved(self, quota_view(q.project(req.project_id)),
                 std::move(writes));
  }
  save_quotas writes{q.set_user(req.project_id, req.user_id, req.values)};
  return saved(self, quota_view(q.user(req.project_id, req.user_id)),
               std::move(writes));
}

caf::result<accepted> on_delete_quota(api_pointer self, delete_quota_set& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-quota-sets:delete");
  self->state.quota.drop_project(req.project_id);
  return saved(self, accepted{req.project_id},
               drop_project_quotas{req.project_id});
}

// -- keypairs, security groups, flavors ---------------------------------------

// Whose keypairs a request names (Nova's rule admin_or_owner on the
// user_id): the caller's own, or, for admins, anyone's.
caf::expected<std::string> keypair_owner(const request_context& ctx,
                                         const std::string& user_id,
                                         const char* action) {
  if (user_id.empty() || user_id == ctx.user_id)
    return ctx.user_id;
  if (!ctx.is_admin)
    return policy(std::string{"os_compute_api:os-keypairs:"} + action);
  return user_id;
}

caf::result<keypair> on_create_keypair(api_pointer self, create_keypair& req) {
  auto& st = self->state;
  auto owner = keypair_owner(req.ctx, req.user_id, "create");
  if (!owner)
    return owner.error();
  auto kp = st.keys.create(*owner, req.kp,
                           st.quota.limit(req.ctx.project_id, "key_pairs"));
  if (!kp)
    return kp.error();
  return saved(self, *kp, save_keypair{*kp});
}

caf::result<keypair_list> on_get_keypairs(api_pointer self,
                                          get_keypairs& req) {
  auto owner = keypair_owner(req.ctx, req.user_id,
                             req.name.empty() ? "index" : "show");
  if (!owner)
    return owner.error();
  return self->state.keys.get(*owner, req.name);
}

caf::result<accepted> on_delete_keypair(api_pointer self, delete_keypair& req) {
  auto owner = keypair_owner(req.ctx, req.user_id, "delete");
  if (!owner)
    return owner.error();
  if (auto err = self->state.keys.remove(*owner, req.name))
    return err;
  return saved(self, accepted{req.name}, drop_keypair{*owner, req.name});
}

// A project's groups are small: any change rewrites all of them.
caf::result<security_group_list>
save_groups(api_pointer self, const std::string& project,
            caf::expected<security_group_list> answer) {
  if (!answer)
    return answer.error();
  return saved(self, std::move(*answer),
               save_security_groups{project, self->state.groups.of(project)});
}

caf::result<security_group_list>
on_security_group(api_pointer self, security_group_request& req) {
  auto& st = self->state;
  auto& project = req.ctx.project_id;
  auto limit = [&](const char* resource) {
    return st.quota.limit(project, resource);
  };
  switch (req.op) {
    case security_group_op::list:
      if (req.all_tenants && req.ctx.is_admin) {
        st.groups.of(project); // the admin's own default is listed too
        return st.groups.all();
      }
      return security_group_list{st.groups.of(project)};
    case security_group_op::update:
      return save_groups(self, project,
                         st.groups.update(project, req.id, req.group.name,
                                          req.group.description));
    case security_group_op::show:
      return st.groups.show(project, req.id);
    case security_group_op::create:
      return save_groups(self, project,
                         st.groups.create(project, req.group,
                                          limit("security_groups")));
    case security_group_op::remove:
      return save_groups(self, project, st.groups.remove(project, req.id));
    case security_group_op::create_rule:
      return save_groups(self, project,
                         st.groups.add_rule(project, req.rule,
                                            limit("security_group_rules")));
    case security_group_op::remove_rule:
      return save_groups(self, project,
                         st.groups.remove_rule(project, req.id));
  }
  return security_group_list{};
}

caf::result<server_group_list>
on_server_group(api_pointer self, server_group_request& req) {
  auto& st = self->state;
  auto& groups = st.server_groups_;
  auto one = [](caf::expected<server_group> g) -> caf::result<server_group_list> {
    if (!g)
      return g.error();
    return server_group_list{{std::move(*g)}};
  };
  switch (req.op) {
    case server_group_op::list:
      // Nova: a member's all_projects lists its own project's groups.
      return groups.list(req.ctx, req.all_projects && req.ctx.is_admin,
                         req.offset, req.limit);
    case server_group_op::show:
      return one(groups.show(req.ctx, req.id,
                             "os_compute_api:os-server-groups:show"));
    case server_group_op::of_server: {
      server_group_list out;
      for (auto& id : groups.groups_of(req.id))
        out.items.push_back(*groups.find(id));
      return out;
    }
    case server_group_op::create: {
      auto g = groups.create(
        req.ctx, req.group, st.quota.limit(req.ctx.project_id, "server_groups"));
      if (!g)
        return g.error();
      return saved(self, server_group_list{{*g}}, save_server_group{*g});
    }
    case server_group_op::remove: {
      auto g = groups.remove(req.ctx, req.id);
      if (!g)
        return g.error();
      return saved(self, server_group_list{{*g}}, drop_server_group{g->id});
    }
  }
  return server_group_list{};
}

// A server's security groups: listed (the project's groups it names,
// sorted by tenant and name as Nova sorts them), or one added or removed
// (answered with the group).
caf::result<security_group_list>
on_server_security_groups(api_pointer self,
                          server_security_group_request& req) {
  return with_visible_row<security_group_list>(
    self, req.ctx, req.id, [self, req](instance& row, auto& rp) mutable {
      auto& groups = self->state.groups;
      if (req.list) {
        security_group_list out;
        for (auto& name : row.security_groups)
          if (auto g = groups.named(row.project_id, name))
            out.items.push_back(*g);
        std::sort(out.items.begin(), out.items.end(),
                  [](const security_group_info& x,
                     const security_group_info& y) {
                    return std::tie(x.project_id, x.name)
                           < std::tie(y.project_id, y.name);
                  });
        rp.deliver(std::move(out));
        return;
      }
      auto group = groups.named(req.ctx.project_id, req.name);
      if (auto err = check_server_group(row, req.name, group, req.add,
                                        req.ctx.project_id)) {
        rp.deliver(std::move(err));
        return;
      }
      ask(self, rp, self->state.cfg.store,
          change_security_group{row.id, group->name, req.add},
          [rp, g = *group](instance&) mutable {
            rp.deliver(security_group_list{{std::move(g)}});
          });
    });
}

caf::result<flavor> on_create_flavor(api_pointer self, create_flavor& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-flavor-manage:create");
  auto f = self->state.flavors_and_zones.create_flavor(req.flavor_);
  if (!f)
    return f.error();
  return saved(self, *f, save_flavor{*f, {}});
}

caf::result<accepted> on_delete_flavor(api_pointer self, delete_flavor& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-flavor-manage:delete");
  if (auto err = self->state.flavors_and_zones.delete_flavor(req.id))
    return err;
  return saved(self, accepted{req.id}, drop_flavor{req.id});
}

// os-flavor-extra-specs' writes, os-flavor-access, a description's update:
// answered once the flavor (with its specs and projects) is durable.
caf::result<flavor_access> on_flavor(api_pointer self, flavor_request& req) {
  auto& cat = self->state.flavors_and_zones;
  auto& id = req.id;
  auto rule = [&]() -> std::string {
    switch (req.op) {
      case flavor_op::add_extra_specs:
        return "os_compute_api:os-flavor-extra-specs:create";
      case flavor_op::update_extra_spec:
        return "os_compute_api:os-flavor-extra-specs:update";
      case flavor_op::delete_extra_spec:
        return "os_compute_api:os-flavor-extra-specs:delete";
      case flavor_op::list_access:
        return "os_compute_api:os-flavor-access";
      case flavor_op::add_access:
        return "os_compute_api:os-flavor-access:add_tenant_access";
      case flavor_op::remove_access:
        return "os_compute_api:os-flavor-access:remove_tenant_access";
      case flavor_op::update_description:
        break;
    }
    return "os_compute_api:os-flavor-manage:update";
  };
  if (!req.ctx.is_admin)
    return policy(rule());
  if (req.op == flavor_op::list_access) {
    auto projects = cat.access(id);
    if (!projects)
      return projects.error();
    return flavor_access{cat.flavor_of(id, req.ctx).value(),
                         std::move(*projects)};
  }
  auto change = [&]() -> caf::expected<flavor> {
    switch (req.op) {
      case flavor_op::add_access:
      case flavor_op::remove_access: {
        auto projects = req.op == flavor_op::add_access
                          ? cat.add_access(id, req.key)
                          : cat.remove_access(id, req.key);
        if (!projects)
          return projects.error();
        return cat.flavor_of(id, req.ctx);
      }
      case flavor_op::delete_extra_spec:
        return cat.delete_extra_spec(id, req.key);
      case flavor_op::update_description:
        return cat.set_description(id, req.description);
      case flavor_op::add_extra_specs:
      case flavor_op::update_extra_spec:
      case flavor_op::list_access:
        break;
    }
    return cat.add_extra_specs(id, req.extra_specs);
  };
  auto changed = change();
  if (!changed)
    return changed.error();
  auto projects = cat.projects(id);
  return saved(self, flavor_access{*changed, projects},
               save_flavor{*changed, projects});
}

// -- aggregates and zones -----------------------------------------------------

// A server's zone must be one a host is in: each configured host's
// effective zone and every zone aggregate's with hosts.
void refresh_zones(api_state& st) {
  auto zones = st.aggs.zones();
  for (auto& h : st.cfg.opts.hosts) {
    auto zone = st.aggs.zone_of(h.name);
    zones.insert(zone.empty() ? h.availability_zone : zone);
  }
  st.flavors_and_zones.set_zones(std::move(zones));
}

// The scheduler's view follows every change at once; the answer waits
// until the change is durable.
void deliver_changed(api_pointer self,
                     caf::typed_response_promise<aggregate_list> rp,
                     caf::expected<aggregate> a) {
  if (!a) {
    rp.deliver(a.error());
    return;
  }
  auto& st = self->state;
  refresh_zones(st);
  self->send(st.cfg.scheduler, set_host_aggregates{st.aggs.all()});
  deliver_saved(self, rp, aggregate_list{{*a}}, save_aggregate{*a});
}

caf::result<aggregate_list> aggregate_changed(api_pointer self,
                                              caf::expected<aggregate> a) {
  auto rp = self->make_response_promise<aggregate_list>();
  deliver_changed(self, rp, std::move(a));
  return rp;
}

const char* aggregate_rule(aggregate_op op) {
  switch (op) {
    case aggregate_op::list:
      return "os_compute_api:os-aggregates:index";
    case aggregate_op::show:
      return "os_compute_api:os-aggregates:show";
    case aggregate_op::create:
      return "os_compute_api:os-aggregates:create";
    case aggregate_op::update:
      return "os_compute_api:os-aggregates:update";
    case aggregate_op::remove:
      return "os_compute_api:os-aggregates:delete";
    case aggregate_op::add_host:
      return "os_compute_api:os-aggregates:add_host";
    case aggregate_op::remove_host:
      return "os_compute_api:os-aggregates:remove_host";
    case aggregate_op::set_metadata:
      break;
  }
  return "os_compute_api:os-aggregates:set_metadata";
}

caf::result<aggregate_list> on_aggregate(api_pointer self,
                                         aggregate_request& req) {
  if (!req.ctx.is_admin)
    return policy(aggregate_rule(req.op));
  auto& aggs = self->state.aggs;
  auto now = now_us();
  switch (req.op) {
    case aggregate_op::list:
      return aggregate_list{aggs.all()};
    case aggregate_op::show: {
      auto a = aggs.get(req.id);
      if (!a)
        return a.error();
      return aggregate_list{{*a}};
    }
    case aggregate_op::create:
      return aggregate_changed(self, aggs.create(req.name, req.zone, now));
    case aggregate_op::update:
      return aggregate_changed(
        self, aggs.update(req.id, req.set_name ? &req.name : nullptr,
                          req.set_zone ? &req.zone : nullptr, now));
    case aggregate_op::remove: {
      if (auto err = aggs.remove(req.id))
        return err;
      auto& st = self->state;
      refresh_zones(st);
      self->send(st.cfg.scheduler, set_host_aggregates{aggs.all()});
      return saved(self, aggregate_list{}, drop_aggregate{req.id});
    }
    case aggregate_op::add_host: {
      // Nova looks the host's service up first (ComputeHostNotFound).
      auto rp = self->make_response_promise<aggregate_list>();
      ask(self, rp, self->state.cfg.scheduler, get_host_views{},
          [self, rp, req, now](host_view_list& views) mutable {
            auto known = std::any_of(views.items.begin(), views.items.end(),
                                     [&](const host_view& h) {
                                       return h.host == req.host;
                                     });
            if (!known) {
              rp.deliver(nova_error(errc::compute_host_not_found, req.host));
              return;
            }
            deliver_changed(self, rp,
                            self->state.aggs.add_host(req.id, req.host, now));
          });
      return rp;
    }
    case aggregate_op::remove_host:
      return aggregate_changed(self, aggs.remove_host(req.id, req.host, now));
    case aggregate_op::set_metadata:
      return aggregate_changed(
        self, aggs.set_metadata(req.id, req.metadata, req.unset, now));
  }
  return aggregate_list{};
}

caf::result<zone_list> on_zones(api_pointer self, list_zones& req) {
  if (req.detail && !req.ctx.is_admin)
    return policy("os_compute_api:os-availability-zone:detail");
  auto rp = self->make_response_promise<zone_list>();
  ask(self, rp, self->state.cfg.scheduler, get_host_views{},
      [rp](host_view_list& views) mutable { rp.deliver(zones_of(views.items)); });
  return rp;
}

// -- hosts --------------------------------------------------------------------

// os-hypervisors: the scheduler's hosts by name, with their instances.
hypervisor_list hypervisors_of(std::vector<host_view> hosts,
                               const std::vector<instance>& rows) {
  std::sort(hosts.begin(), hosts.end(),
            [](const host_view& x, const host_view& y) {
              return x.host < y.host;
            });
  hypervisor_list out;
  for (size_t i = 0; i < hosts.size(); ++i) {
    hypervisor_info h;
    h.id = static_cast<int64_t>(i + 1);
    h.host = hosts[i].host;
    h.up = hosts[i].up;
    h.enabled = hosts[i].enabled;
    h.disabled_reason = hosts[i].disabled_reason;
    h.type = hosts[i].hypervisor_type;
    h.capacity = hosts[i].capacity;
    h.used = hosts[i].used;
    for (auto& row : rows)
      if (row.host == h.host)
        h.servers.emplace_back(row.id, row.name);
    out.items.push_back(std::move(h));
  }
  return out;
}

caf::result<hypervisor_list> on_hypervisors(api_pointer self,
                                            list_hypervisors& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-hypervisors:list");
  auto rp = self->make_response_promise<hypervisor_list>();
  ask(self, rp, self->state.cfg.scheduler, get_host_views{},
      [self, rp](host_view_list& views) mutable {
        ask(self, rp, self->state.cfg.store, list_instances{},
            [self, rp, views](instance_list& rows) mutable {
              rp.deliver(hypervisors_of(std::move(views.items), rows.items));
            });
      });
  return rp;
}

// An operator's change to a compute service (os-services): the scheduler
// takes it at once (404 for an unknown host), and the answer waits until
// it is durable. A forced-down host is thus down for the scheduler before
// the answer, and stays so across restarts until an operator clears it,
// as Nova's servicegroup takes a forced_down service as down.
template <class Change, class Save>
caf::result<host_view_list> change_service(api_pointer self,
                                           const request_context& ctx,
                                           Change change, Save save) {
  if (!ctx.is_admin)
    return policy("os_compute_api:os-services:update");
  auto rp = self->make_response_promise<host_view_list>();
  ask(self, rp, self->state.cfg.scheduler, std::move(change),
      [self, rp, save](host_view_list& views) mutable {
        deliver_saved(self, rp, std::move(views), std::move(save));
      });
  return rp;
}

// -- the actor ----------------------------------------------------------------

// The catalog the database held (or the defaults of a new one) and what
// the options configure; the copy in cfg is not needed afterwards.
void restore(api_state& st) {
  auto& opts = st.cfg.opts;
  auto& stored = st.cfg.catalog;
  std::vector<std::string> zones;
  for (auto& h : opts.hosts)
    zones.push_back(h.availability_zone);
  st.flavors_and_zones = catalog{stored.flavors, zones,
                                 std::move(stored.flavor_projects)};
  st.aggs = aggregates{std::move(stored.aggregates)};
  refresh_zones(st);
  st.quota = quotas{opts};
  st.quota.restore(stored.quotas);
  st.keys.restore(stored.keypairs);
  st.groups.restore(stored.security_groups);
  st.server_groups_.restore(stored.server_groups);
  stored = catalog_state{};
}

api_actor::behavior_type api_handler(api_pointer self, api_config cfg) {
  self->state.cfg = std::move(cfg);
  restore(self->state);
  // The scheduler learns the aggregates the database held.
  self->send(self->state.cfg.scheduler,
             set_host_aggregates{self->state.aggs.all()});
  return {
    [self](create_servers& req) { return on_create(self, req); },
    [self](delete_server& req) { return on_delete(self, req); },
    [self](show_server& req) {
      return with_visible_row<instance>(
        self, req.ctx, req.id,
        [](instance& row, auto& rp) { rp.deliver(std::move(row)); });
    },
    [self](list_servers& req) { return on_list(self, req); },
    [self](update_server& req) {
      return with_visible_row<instance>(
        self, req.ctx, req.change.id,
        [self, change = req.change](instance&, auto& rp) {
          forward(self, rp, self->state.cfg.store, change);
        });
    },
    [self](server_action& req) { return on_action(self, req); },
    [self](console_request& req) { return on_console(self, req); },
    [self](reset_server_state& req) { return on_reset_state(self, req); },
    [self](server_password_request& req) {
      return on_server_password(self, req);
    },
    [self](create_image& req) { return on_create_image(self, req); },
    [self](shelve_server& req) { return on_shelve(self, req); },
    [self](server_metadata& req) { return on_metadata(self, req); },
    [self](server_tags& req) { return on_tags(self, req); },
    [self](list_services& req) -> caf::result<host_view_list> {
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-services:list");
      return forward<host_view_list>(self, self->state.cfg.scheduler,
                                     get_host_views{});
    },
    [self](update_service& req) {
      return change_service(self, req.ctx,
                            set_host_status{req.host, req.disabled, req.reason},
                            save_host_status{req.host, req.disabled,
                                             req.reason});
    },
    [self](force_down_service& req) {
      return change_service(self, req.ctx,
                            force_host_down{req.host, req.forced_down},
                            save_host_forced_down{req.host, req.forced_down});
    },
    [self](get_tenant_usage& req) { return on_tenant_usage(self, req); },
    [self](server_events& req) { return on_server_events(self, req); },
    [self](host_instances& req) -> caf::result<instance_list> {
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-hosts:show");
      return forward<instance_list>(self, self->state.cfg.store,
                                    list_instances{{}, req.host, false,
                                                   false});
    },
    [self](server_security_group_request& req) {
      return on_server_security_groups(self, req);
    },
    [self](list_instance_actions& req) {
      return with_visible_row<action_list>(
        self, req.ctx, req.id,
        [self](instance& row, auto& rp) {
          forward(self, rp, self->state.cfg.store, get_actions{row.id});
        },
        req.read_deleted);
    },
    [self](security_group_request& req) {
      return on_security_group(self, req);
    },
    [self](server_group_request& req) { return on_server_group(self, req); },
    [self](list_flavors& req) {
      return self->state.flavors_and_zones.flavors(req.ctx, req.visibility);
    },
    [self](flavor_request& req) { return on_flavor(self, req); },
    [self](aggregate_request& req) { return on_aggregate(self, req); },
    [self](list_zones& req) { return on_zones(self, req); },
    [self](create_flavor& req) { return on_create_flavor(self, req); },
    [self](delete_flavor& req) { return on_delete_flavor(self, req); },
    [self](get_limits& req) { return on_limits(self, req); },
    [self](get_quota_set& req) { return on_get_quota(self, req); },
    [self](update_quota_set& req) { return on_update_quota(self, req); },
    [self](delete_quota_set& req) { return on_delete_quota(self, req); },
    [self](list_hypervisors& req) { return on_hypervisors(self, req); },
    [self](create_keypair& req) { return on_create_keypair(self, req); },
    [self](get_networks&) {
      return network_list{self->state.cfg.opts.networks};
    },
    [self](get_keypairs& req) { return on_get_keypairs(self, req); },
    [self](delete_keypair& req) { return on_delete_keypair(self, req); },
    [self](deadline_tick) { self->state.deadlines.on_tick(self); },
    [self](refuse_builds&) {
      self->state.refusing_builds = true;
      return accepted{};
    },
  };
}

} // namespace

api_actor spawn_api_handler(caf::actor_system& sys, api_config cfg) {
  return sys.spawn(api_handler, std::move(cfg));
}

} // namespace vmforge
