#include "actors/api_handler.hpp"

#include <cctype>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

struct api_state {
  static inline const char* name = "api_handler";
  api_config cfg;
  std::unordered_map<std::string, flavor> flavors;
  std::unordered_map<std::string, image> images;
  std::set<std::string> zones;
};

using api_pointer = api_actor::stateful_pointer<api_state>;

caf::error bad_request(std::string msg) {
  return caf::make_error(api_errc::bad_request, std::move(msg));
}

caf::error not_found(const std::string& id) {
  return caf::make_error(api_errc::not_found,
                         "Instance " + id + " could not be found.");
}

// Nova's flavorRef may be an href: the id is its last path segment.
std::string id_from_href(const std::string& ref) {
  auto pos = ref.find_last_of('/');
  return pos == std::string::npos ? ref : ref.substr(pos + 1);
}

caf::error validate(const api_state& st, const create_servers& req) {
  auto& name = req.name;
  if (name.empty() || name.size() > 255)
    return bad_request("Invalid input for field/attribute name. Value: "
                       + name + ". '" + name
                       + "' is not a valid name: length must be 1 to 255");
  if (std::isspace(static_cast<unsigned char>(name.front()))
      || std::isspace(static_cast<unsigned char>(name.back())))
    return bad_request("Invalid input for field/attribute name. Value: "
                       + name
                       + ". An invalid 'name' value was provided. The name "
                         "must not have leading or trailing whitespace.");
  if (req.min_count < 1 || req.max_count < 1)
    return bad_request("min_count and max_count must be >= 1");
  if (req.min_count > req.max_count)
    return bad_request("min_count must be <= max_count");
  if (req.image_ref.empty())
    return bad_request("Missing imageRef attribute");
  if (st.images.count(req.image_ref) == 0)
    return bad_request("Can not find requested image");
  if (st.flavors.count(id_from_href(req.flavor_ref)) == 0)
    return bad_request("Flavor " + id_from_href(req.flavor_ref)
                       + " could not be found.");
  if (!req.availability_zone.empty()
      && st.zones.count(req.availability_zone) == 0)
    return bad_request("The requested availability zone is not available");
  if (static_cast<int64_t>(req.metadata.size()) > st.cfg.opts.quota_metadata_items)
    return caf::make_error(api_errc::forbidden,
                           "Quota exceeded for metadata_items: Requested "
                             + std::to_string(req.metadata.size())
                             + ", but already used 0 of "
                             + std::to_string(
                               st.cfg.opts.quota_metadata_items)
                             + " metadata_items");
  // No keypair or security group service exists yet: only "default".
  if (!req.key_name.empty())
    return bad_request("Invalid key_name provided.");
  for (auto& g : req.security_groups)
    if (g != "default")
      return bad_request("Unable to find security_group with name or id '" + g
                         + "'");
  for (auto& kv : req.metadata)
    if (kv.first.empty() || kv.first.size() > 255 || kv.second.size() > 255)
      return bad_request("Invalid input for field/attribute metadata. "
                         "Metadata keys must be 1-255 and values at most "
                         "255 characters");
  return caf::none;
}

std::string reservation_id() {
  // Nova's utils.generate_uid('r'): "r-" and 8 characters.
  auto id = make_uuid();
  return "r-" + id.substr(0, 8);
}

caf::result<servers_created> on_create(api_pointer self, create_servers& req) {
  auto& st = self->state;
  if (auto err = validate(st, req))
    return err;
  create_instances ins;
  ins.min_count = req.min_count;
  ins.limits = st.cfg.opts.quota;
  auto rid = reservation_id();
  auto now = now_us();
  const auto& fl = st.flavors.at(id_from_href(req.flavor_ref));
  for (int64_t n = 1; n <= req.max_count; ++n) {
    instance row;
    row.id = make_uuid();
    row.name = req.max_count > 1
                 ? multi_instance_name(
                   st.cfg.opts.multi_instance_display_name_template, req.name,
                   n, row.id)
                 : req.name;
    row.project_id = req.ctx.project_id;
    row.user_id = req.ctx.user_id;
    row.reservation_id = rid;
    row.flavor_ = fl;
    row.image_id = req.image_ref;
    row.availability_zone = req.availability_zone;
    row.metadata = req.metadata;
    row.access_ipv4 = req.access_ipv4;
    row.access_ipv6 = req.access_ipv6;
    row.disk_config = req.disk_config;
    row.key_name = req.key_name;
    row.security_groups = req.security_groups;
    row.has_description = req.has_description;
    row.description = req.description;
    row.created_us = now;
    row.updated_us = now;
    ins.rows.push_back(std::move(row));
  }
  auto rp = self->make_response_promise<servers_created>();
  self->request(st.cfg.store, caf::infinite, std::move(ins))
    .then(
      [self, rp, rid](instance_list& rows) mutable {
        servers_created out;
        out.reservation_id = rid;
        for (auto& row : rows.items) {
          out.ids.push_back(row.id);
          self->send(self->state.cfg.conductor,
                     build_request{row.id, row.name, row.project_id,
                                   row.flavor_, row.image_id,
                                   row.availability_zone});
        }
        rp.deliver(std::move(out));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

bool visible(const request_context& ctx, const instance& row) {
  // Another project's server is 404, not 403 (project_only queries).
  return ctx.is_admin || row.project_id == ctx.project_id;
}

// Looks the row up and runs `then` with it if the caller may see it; any
// failure (unknown, another project's) is delivered to the promise.
template <class T, class F>
caf::result<T> with_visible_row(api_pointer self, const request_context& ctx,
                                const std::string& id, F then) {
  auto rp = self->make_response_promise<T>();
  self->request(self->state.cfg.store, caf::infinite, get_instance{id})
    .then(
      [rp, ctx, then](instance& row) mutable {
        if (visible(ctx, row))
          then(row, rp);
        else
          rp.deliver(not_found(row.id));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<accepted> on_delete(api_pointer self, delete_server& req) {
  auto is_admin = req.ctx.is_admin;
  return with_visible_row<accepted>(
    self, req.ctx, req.id, [self, is_admin](instance& row, auto& rp) {
      if (row.locked && !is_admin) {
        rp.deliver(caf::make_error(api_errc::conflict,
                                   "Instance " + row.id + " is locked"));
        return;
      }
      // Nova's _delete_instance: task_state deleting, vm_state unchanged.
      instance_update u;
      u.id = row.id;
      u.set_vm = false;
      u.task = task_state::deleting;
      u.expected = task_set::any();
      self->send(self->state.cfg.store, std::move(u));
      self->send(self->state.cfg.conductor, delete_request{row.id, row.host});
      rp.deliver(accepted{row.id});
    });
}

caf::result<instance> on_show(api_pointer self, show_server& req) {
  return with_visible_row<instance>(
    self, req.ctx, req.id,
    [](instance& row, auto& rp) { rp.deliver(std::move(row)); });
}

caf::result<instance> on_update(api_pointer self, update_server& req) {
  edit_instance change;
  change.id = req.id;
  change.set_name = req.set_name;
  change.name = req.name;
  change.set_access_ipv4 = req.set_access_ipv4;
  change.access_ipv4 = req.access_ipv4;
  change.set_access_ipv6 = req.set_access_ipv6;
  change.access_ipv6 = req.access_ipv6;
  change.set_description = req.set_description;
  change.has_description = req.has_description;
  change.description = req.description;
  return with_visible_row<instance>(
    self, req.ctx, req.id, [self, change](instance&, auto& rp) {
      rp.delegate(self->state.cfg.store, change);
    });
}

caf::result<accepted> on_action(api_pointer self, server_action& req) {
  if (req.action == "lock" || req.action == "unlock") {
    auto lock = req.action == "lock";
    return with_visible_row<accepted>(
      self, req.ctx, req.id, [self, lock](instance& row, auto& rp) {
        self->request(self->state.cfg.store, caf::infinite,
                      set_locked{row.id, lock})
          .then([rp](instance& r) mutable { rp.deliver(accepted{r.id}); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      });
  }
  // The server is looked up first: an unknown one is 404 whatever the action.
  auto rule = find_action(req.action, req.hard);
  auto action = req.action;
  auto is_admin = req.ctx.is_admin;
  return with_visible_row<accepted>(
    self, req.ctx, req.id,
    [self, rule, action, is_admin](instance& row, auto& rp) {
      if (rule == nullptr) {
        rp.deliver(bad_request("There is no such action: " + action));
        return;
      }
      auto call = rule->call;
      begin_task begin{row.id, rule->name, rule->allowed, rule->task,
                       is_admin};
      self->request(self->state.cfg.store, caf::infinite, begin)
        .then(
          [self, rp, call](instance& row) mutable {
            self->send(self->state.cfg.conductor,
                       instance_action{row.id, row.host, call});
            rp.deliver(accepted{row.id});
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    });
}

caf::result<project_limits> on_limits(api_pointer self, get_limits& req) {
  auto rp = self->make_response_promise<project_limits>();
  auto& o = self->state.cfg.opts;
  project_limits out{o.quota.instances, o.quota.cores, o.quota.ram_mb,
                     o.quota_metadata_items, 0, 0, 0};
  self->request(self->state.cfg.store, caf::infinite,
                get_usage{req.ctx.project_id})
    .then(
      [rp, out](project_usage& use) mutable {
        out.instances_used = use.instances;
        out.cores_used = use.cores;
        out.ram_mb_used = use.ram_mb;
        rp.deliver(out);
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<instance_list> on_list(api_pointer self, list_servers& req) {
  if (req.all_tenants && !req.ctx.is_admin)
    return caf::make_error(api_errc::forbidden,
                           std::string{"Policy doesn't allow "
                                       "os_compute_api:servers:index:get_all_"
                                       "tenants to be performed."});
  list_instances q;
  if (!req.all_tenants)
    q.project_id = req.ctx.project_id;
  return self->delegate(self->state.cfg.store, std::move(q));
}

api_actor::behavior_type api_handler(api_pointer self, api_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (auto& f : st.cfg.opts.flavors)
    st.flavors.emplace(f.id, f);
  for (auto& i : st.cfg.opts.images)
    st.images.emplace(i.id, i);
  for (auto& h : st.cfg.opts.hosts)
    st.zones.insert(h.availability_zone);
  return {
    [self](create_servers& req) { return on_create(self, req); },
    [self](delete_server& req) { return on_delete(self, req); },
    [self](show_server& req) { return on_show(self, req); },
    [self](list_servers& req) { return on_list(self, req); },
    [self](update_server& req) { return on_update(self, req); },
    [self](server_action& req) { return on_action(self, req); },
    [self](list_flavors& req) {
      // Non-admins see public flavors only.
      flavor_list out;
      for (auto& f : self->state.cfg.opts.flavors)
        if (f.is_public || req.ctx.is_admin)
          out.items.push_back(f);
      return out;
    },
    [self](list_images&) { return image_list{self->state.cfg.opts.images}; },
    [self](get_limits& req) { return on_limits(self, req); },
  };
}

} // namespace

api_actor spawn_api_handler(caf::actor_system& sys, api_config cfg) {
  return sys.spawn(api_handler, std::move(cfg));
}

} // namespace vmforge
