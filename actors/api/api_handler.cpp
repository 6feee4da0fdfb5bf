#include "actors/api/api_handler.hpp"

#include <cctype>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/api/server_rules.hpp"
#include "messages/actions.hpp"
#include "messages/errors.hpp"
#include "store/writer.hpp"
#include "util/uuid.hpp"

namespace vmforge {

namespace {

using quota_map = std::map<std::string, int64_t>;

struct api_state {
  static inline const char* name = "api_handler";
  api_config cfg;
  std::unordered_map<std::string, flavor> flavors;
  std::unordered_map<std::string, image> images;
  std::set<std::string> zones;
  /// The "default" quota class, then overrides per project and per user.
  quota_map quota_defaults;
  std::map<std::string, quota_map> project_quotas;
  std::map<std::pair<std::string, std::string>, quota_map> user_quotas;
  /// Keypairs by user, then name.
  std::map<std::string, std::map<std::string, keypair>> keypairs;
  int64_t next_keypair_id = 1;
  /// Security groups by project; each project also has "default".
  std::map<std::string, std::vector<security_group_info>> security_groups;
  int64_t next_group_id = 1;
  int64_t next_rule_id = 1;
  /// Set at shutdown: creates are refused with 503.
  bool refusing_builds = false;

  std::vector<security_group_info>& groups_of(const std::string& project) {
    auto& groups = security_groups[project];
    if (groups.empty())
      groups.push_back({next_group_id++, "default", "default", project, {}});
    return groups;
  }

  quota_map project_limits(const std::string& project_id) const {
    auto out = quota_defaults;
    auto i = project_quotas.find(project_id);
    if (i != project_quotas.end())
      for (auto& kv : i->second)
        out[kv.first] = kv.second;
    return out;
  }
};

using api_pointer = api_actor::stateful_pointer<api_state>;

caf::error policy(const std::string& rule) {
  return nova_error(errc::policy_not_authorized, rule);
}

caf::error bad_request(std::string msg) {
  return nova_error(errc::invalid_input, std::move(msg));
}

// Delivers `value` once `write` (and everything queued before) is durable.
template <class T>
void deliver_durably(api_pointer self, caf::typed_response_promise<T> rp,
                     T value, store_writer::write_fn write) {
  auto& st = self->state;
  if (!st.cfg.writer) {
    rp.deliver(std::move(value));
    return;
  }
  st.cfg.writer->submit(std::move(write));
  self->request(st.cfg.store, caf::infinite, sync_store{})
    .then([rp, value](store_synced&) mutable { rp.deliver(std::move(value)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

template <class T>
caf::result<T> durably(api_pointer self, T value, store_writer::write_fn write) {
  if (!self->state.cfg.writer)
    return value;
  auto rp = self->make_response_promise<T>();
  deliver_durably(self, rp, std::move(value), std::move(write));
  return rp;
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
    return nova_error(errc::image_not_found, req.image_ref);
  if (st.flavors.count(id_from_href(req.flavor_ref)) == 0)
    return nova_error(errc::flavor_not_found, id_from_href(req.flavor_ref));
  if (!req.availability_zone.empty()
      && st.zones.count(req.availability_zone) == 0)
    return bad_request("The requested availability zone is not available");
  auto meta_limit = st.project_limits(req.ctx.project_id)["metadata_items"];
  if (meta_limit >= 0 && static_cast<int64_t>(req.metadata.size()) > meta_limit)
    return nova_error(errc::over_quota, "metadata_items", req.metadata.size(),
                      0, meta_limit, "metadata_items");
  if (!req.key_name.empty()) {
    auto mine = st.keypairs.find(req.ctx.user_id);
    if (mine == st.keypairs.end() || mine->second.count(req.key_name) == 0)
      return nova_error(errc::keypair_not_found, req.key_name,
                        req.ctx.user_id);
  }
  auto sgs = st.security_groups.find(req.ctx.project_id);
  for (auto& g : req.security_groups) {
    auto known = g == "default";
    if (sgs != st.security_groups.end())
      for (auto& sg : sgs->second)
        known = known || sg.name == g;
    if (!known)
      return bad_request("Unable to find security_group with name or id '" + g
                         + "'");
  }
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
  if (st.refusing_builds)
    return nova_error(errc::service_unavailable,
                      "vmforged is shutting down: no new builds are "
                      "accepted.");
  if (auto err = validate(st, req))
    return err;
  create_instances ins;
  ins.min_count = req.min_count;
  auto limits = st.project_limits(req.ctx.project_id);
  ins.limits = quota_limits{limits["instances"], limits["cores"],
                            limits["ram"]};
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
  auto request_id = req.ctx.request_id;
  self->request(st.cfg.store, caf::infinite, std::move(ins))
    .then(
      [self, rp, rid, request_id](instance_list& rows) mutable {
        servers_created out;
        out.reservation_id = rid;
        for (auto& row : rows.items) {
          out.ids.push_back(row.id);
          record_action rec;
          rec.instance_id = row.id;
          rec.action = action_record{"create", request_id, row.user_id,
                                     row.project_id, row.created_us, {}};
          self->send(self->state.cfg.store, std::move(rec));
          self->send(self->state.cfg.conductor, build_of(row, request_id));
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
          rp.deliver(nova_error(errc::instance_not_found, row.id));
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<accepted> on_delete(api_pointer self, delete_server& req) {
  auto is_admin = req.ctx.is_admin;
  return with_visible_row<accepted>(
    self, req.ctx, req.id, [self, is_admin](instance& row, auto& rp) {
      if (auto err = check(delete_rule, row, is_admin)) {
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
      self->send(st.cfg.conductor, delete_request{row.id, row.host});
      // The 204 only once the deleting state is on disk.
      self->request(st.cfg.store, caf::infinite, sync_store{})
        .then([rp, id = row.id](store_synced&) mutable { rp.deliver(accepted{id}); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    });
}

caf::result<instance> on_show(api_pointer self, show_server& req) {
  return with_visible_row<instance>(
    self, req.ctx, req.id,
    [](instance& row, auto& rp) { rp.deliver(std::move(row)); });
}

caf::result<instance> on_update(api_pointer self, update_server& req) {
  return with_visible_row<instance>(
    self, req.ctx, req.change.id,
    [self, change = req.change](instance&, auto& rp) {
      rp.delegate(self->state.cfg.store, change);
    });
}

void record_user_action(api_pointer self, const request_context& ctx,
                        const std::string& id, const std::string& action) {
  record_action rec;
  rec.instance_id = id;
  rec.action = action_record{action, ctx.request_id, ctx.user_id,
                             ctx.project_id, now_us(), {}};
  self->send(self->state.cfg.store, std::move(rec));
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
  self->request(self->state.cfg.store, caf::infinite,
                begin_of(rule, row.id, ctx.is_admin))
    .then(
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
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
}

caf::result<accepted> on_action(api_pointer self, server_action& req) {
  auto ctx = req.ctx;
  if (req.action == "lock" || req.action == "unlock") {
    auto lock = req.action == "lock";
    return with_visible_row<accepted>(
      self, req.ctx, req.id, [self, lock, ctx](instance& row, auto& rp) {
        record_user_action(self, ctx, row.id, lock ? "lock" : "unlock");
        self->request(self->state.cfg.store, caf::infinite,
                      set_locked{row.id, lock})
          .then([rp](instance& r) mutable { rp.deliver(accepted{r.id}); },
                [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      });
  }
  // The server is looked up first: an unknown one is 404 whatever the action.
  auto rule = power_action(req.action, req.hard);
  auto action = req.action;
  return with_visible_row<accepted>(
    self, req.ctx, req.id, [self, rule, action, ctx](instance& row, auto& rp) {
      if (rule == nullptr)
        rp.deliver(bad_request("There is no such action: " + action));
      else
        start_action(self, rp, *rule, ctx, row);
    });
}

caf::result<metadata_items> on_metadata(api_pointer self,
                                        server_metadata& req) {
  auto limit = self->state.project_limits(req.ctx.project_id)["metadata_items"];
  auto is_admin = req.ctx.is_admin;
  return with_visible_row<metadata_items>(
    self, req.ctx, req.id,
    [self, req, limit, is_admin](instance& row, auto& rp) {
      auto reply_items = [rp](instance& r) mutable {
        rp.deliver(metadata_items{r.metadata});
      };
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
      if (auto err = check(metadata_rule, row, is_admin)) {
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
      auto op = req.op;
      auto items = req.items;
      self->request(self->state.cfg.store, caf::infinite, change)
        .then(
          [rp, op, items, reply_items](instance& r) mutable {
            // Nova answers what was set, except for a full replace.
            if (op == metadata_op::merge || op == metadata_op::replace)
              reply_items(r);
            else
              rp.deliver(metadata_items{items});
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    });
}

caf::result<project_limits> on_limits(api_pointer self, get_limits& req) {
  auto rp = self->make_response_promise<project_limits>();
  auto q = self->state.project_limits(req.ctx.project_id);
  project_limits out{q["instances"], q["cores"], q["ram"], q["metadata_items"],
                     0, 0, 0, 1};
  auto sgs = self->state.security_groups.find(req.ctx.project_id);
  if (sgs != self->state.security_groups.end())
    out.security_groups_used = static_cast<int64_t>(sgs->second.size());
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
    return policy("os_compute_api:servers:index:get_all_tenants");
  list_instances q;
  if (!req.all_tenants)
    q.project_id = req.ctx.project_id;
  return self->delegate(self->state.cfg.store, std::move(q));
}

// A project's groups are small: any change rewrites all of them.
caf::result<security_group_list> save_groups(api_pointer self,
                                             const std::string& project,
                                             security_group_list answer) {
  return durably(self, std::move(answer),
                 [project, groups = self->state.groups_of(project)](database& db) {
                   db.put_security_groups(project, groups);
                 });
}

caf::result<security_group_list>
on_security_group(api_pointer self, security_group_request& req) {
  auto& st = self->state;
  auto& groups = st.groups_of(req.ctx.project_id);
  auto limits = st.project_limits(req.ctx.project_id);
  auto find = [&](int64_t id) -> security_group_info* {
    for (auto& g : groups)
      if (g.id == id)
        return &g;
    return nullptr;
  };
  auto missing = [](int64_t id) {
    return nova_error(errc::security_group_not_found, id);
  };
  switch (req.op) {
    case security_group_op::list:
      return security_group_list{groups};
    case security_group_op::show:
      if (auto g = find(req.id))
        return security_group_list{{*g}};
      return missing(req.id);
    case security_group_op::create: {
      auto limit = limits["security_groups"];
      if (limit >= 0 && static_cast<int64_t>(groups.size()) >= limit)
        return nova_error(errc::security_group_limit_exceeded);
      for (auto& g : groups)
        if (g.name == req.group.name)
          return nova_error(errc::security_group_exists, req.group.name);
      req.group.id = st.next_group_id++;
      req.group.project_id = req.ctx.project_id;
      req.group.rules.clear();
      groups.push_back(req.group);
      return save_groups(self, req.ctx.project_id,
                         security_group_list{{req.group}});
    }
    case security_group_op::remove: {
      auto g = find(req.id);
      if (g == nullptr)
        return missing(req.id);
      if (g->name == "default")
        return bad_request("Removing default security group not allowed.");
      groups.erase(groups.begin() + (g - groups.data()));
      return save_groups(self, req.ctx.project_id, security_group_list{});
    }
    case security_group_op::create_rule: {
      auto g = find(req.rule.parent_group_id);
      if (g == nullptr)
        return missing(req.rule.parent_group_id);
      int64_t rules = 0;
      for (auto& x : groups)
        rules += static_cast<int64_t>(x.rules.size());
      auto limit = limits["security_group_rules"];
      if (limit >= 0 && rules >= limit)
        return nova_error(errc::security_group_rule_limit_exceeded);
      req.rule.id = st.next_rule_id++;
      g->rules.push_back(req.rule);
      return save_groups(self, req.ctx.project_id, security_group_list{{*g}});
    }
    case security_group_op::remove_rule:
      for (auto& g : groups)
        for (auto r = g.rules.begin(); r != g.rules.end(); ++r)
          if (r->id == req.id) {
            g.rules.erase(r);
            return save_groups(self, req.ctx.project_id,
                               security_group_list{});
          }
      return nova_error(errc::security_group_rule_not_found, req.id);
  }
  return security_group_list{};
}

caf::result<quota_set_info> on_get_quota(api_pointer self, get_quota_set& req) {
  auto& st = self->state;
  if (!req.ctx.is_admin && req.ctx.project_id != req.project_id)
    return policy("os_compute_api:os-quota-sets:show");
  if (req.defaults)
    return quota_set_info{st.quota_defaults, {}};
  auto limits = st.project_limits(req.project_id);
  if (!req.user_id.empty()) {
    auto u = st.user_quotas.find({req.project_id, req.user_id});
    if (u != st.user_quotas.end())
      for (auto& kv : u->second)
        limits[kv.first] = kv.second;
  }
  auto rp = self->make_response_promise<quota_set_info>();
  int64_t keys = 0;
  for (auto& kv : st.keypairs)
    keys += static_cast<int64_t>(kv.second.size());
  self->request(st.cfg.store, caf::infinite, get_usage{req.project_id})
    .then(
      [rp, limits, keys](project_usage& use) mutable {
        rp.deliver(quota_set_info{limits,
                                  {{"instances", use.instances},
                                   {"cores", use.cores},
                                   {"ram", use.ram_mb},
                                   {"key_pairs", keys}}});
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

store_writer::write_fn quota_writes(std::string scope, std::string project,
                                    std::string user, quota_map values) {
  return [=](database& db) {
    for (auto& kv : values)
      db.put_quota(quota_entry{scope, project, user, kv.first, kv.second});
  };
}

caf::result<quota_set_info> on_update_quota(api_pointer self,
                                            update_quota_set& req) {
  auto& st = self->state;
  if (!req.quota_class.empty()) {
    if (!req.ctx.is_admin)
      return policy("os_compute_api:os-quota-class-sets:update");
    for (auto& kv : req.values)
      st.quota_defaults[kv.first] = kv.second;
    return durably(self, quota_set_info{st.quota_defaults, {}},
                   quota_writes("class", req.quota_class, {}, req.values));
  }
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-quota-sets:update");
  if (req.user_id.empty()) {
    for (auto& kv : req.values)
      st.project_quotas[req.project_id][kv.first] = kv.second;
    return durably(self, quota_set_info{st.project_limits(req.project_id), {}},
                   quota_writes("project", req.project_id, {}, req.values));
  }
  auto& user = st.user_quotas[{req.project_id, req.user_id}];
  for (auto& kv : req.values)
    user[kv.first] = kv.second;
  auto out = st.project_limits(req.project_id);
  for (auto& kv : user)
    out[kv.first] = kv.second;
  return durably(self, quota_set_info{out, {}},
                 quota_writes("user", req.project_id, req.user_id, req.values));
}

caf::result<accepted> on_delete_quota(api_pointer self, delete_quota_set& req) {
  auto& st = self->state;
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-quota-sets:delete");
  st.project_quotas.erase(req.project_id);
  for (auto i = st.user_quotas.begin(); i != st.user_quotas.end();)
    i = i->first.first == req.project_id ? st.user_quotas.erase(i) : ++i;
  return durably(self, accepted{req.project_id},
                 [project = req.project_id](database& db) {
                   db.drop_project_quotas(project);
                 });
}

caf::result<hypervisor_list> on_hypervisors(api_pointer self,
                                            list_hypervisors& req) {
  if (!req.ctx.is_admin)
    return policy("os_compute_api:os-hypervisors:list");
  auto rp = self->make_response_promise<hypervisor_list>();
  auto store = self->state.cfg.store;
  self->request(self->state.cfg.scheduler, caf::infinite, get_host_views{})
    .then(
      [self, rp, store](host_view_list& views) mutable {
        self->request(store, caf::infinite, list_instances{})
          .then(
            [self, rp, views](instance_list& rows) mutable {
              hypervisor_list out;
              auto& hosts = views.items;
              std::sort(hosts.begin(), hosts.end(),
                        [](const host_view& x, const host_view& y) {
                          return x.host < y.host;
                        });
              for (size_t i = 0; i < hosts.size(); ++i) {
                hypervisor_info h;
                h.id = static_cast<int64_t>(i + 1);
                h.host = hosts[i].host;
                h.up = hosts[i].up;
                h.enabled = hosts[i].enabled;
                h.disabled_reason = hosts[i].disabled_reason;
                h.type = hypervisor_type(self->state.cfg.opts, h.host);
                h.capacity = hosts[i].capacity;
                h.used = hosts[i].used;
                for (auto& row : rows.items)
                  if (row.host == h.host)
                    h.servers.emplace_back(row.id, row.name);
                out.items.push_back(std::move(h));
              }
              rp.deliver(std::move(out));
            },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      },
      [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::result<keypair> on_create_keypair(api_pointer self, create_keypair& req) {
  auto& st = self->state;
  auto& mine = st.keypairs[req.ctx.user_id];
  if (mine.count(req.kp.name) != 0)
    return nova_error(errc::keypair_exists, req.kp.name);
  auto limit = st.project_limits(req.ctx.project_id)["key_pairs"];
  if (limit >= 0 && static_cast<int64_t>(mine.size()) >= limit)
    return nova_error(errc::keypair_limit_exceeded);
  req.kp.id = st.next_keypair_id++;
  req.kp.user_id = req.ctx.user_id;
  req.kp.created_us = now_us();
  mine.emplace(req.kp.name, req.kp);
  return durably(self, req.kp,
                 [kp = req.kp](database& db) { db.put_keypair(kp); });
}

caf::result<keypair_list> on_get_keypairs(api_pointer self, get_keypairs& req) {
  keypair_list out;
  auto& st = self->state;
  auto mine = st.keypairs.find(req.ctx.user_id);
  if (mine != st.keypairs.end())
    for (auto& kv : mine->second)
      if (req.name.empty() || kv.first == req.name)
        out.items.push_back(kv.second);
  if (!req.name.empty() && out.items.empty())
    return nova_error(errc::keypair_not_found, req.name, req.ctx.user_id);
  return out;
}

caf::result<accepted> on_delete_keypair(api_pointer self, delete_keypair& req) {
  auto& st = self->state;
  auto mine = st.keypairs.find(req.ctx.user_id);
  if (mine == st.keypairs.end() || mine->second.erase(req.name) == 0)
    return nova_error(errc::keypair_not_found, req.name, req.ctx.user_id);
  return durably(self, accepted{req.name},
                 [user = req.ctx.user_id, name = req.name](database& db) {
                   db.drop_keypair(user, name);
                 });
}

// Takes keypairs, quota overrides and security groups from the catalog the
// database held; new ids continue after the highest stored.
void restore(api_state& st) {
  auto& cat = st.cfg.catalog;
  for (auto& kp : cat.keypairs) {
    st.keypairs[kp.user_id].emplace(kp.name, kp);
    st.next_keypair_id = std::max(st.next_keypair_id, kp.id + 1);
  }
  for (auto& q : cat.quotas) {
    if (q.scope == "class")
      st.quota_defaults[q.resource] = q.limit;
    else if (q.scope == "project")
      st.project_quotas[q.project_id][q.resource] = q.limit;
    else
      st.user_quotas[{q.project_id, q.user_id}][q.resource] = q.limit;
  }
  for (auto& g : cat.security_groups) {
    st.next_group_id = std::max(st.next_group_id, g.id + 1);
    for (auto& r : g.rules)
      st.next_rule_id = std::max(st.next_rule_id, r.id + 1);
    st.security_groups[g.project_id].push_back(g);
  }
  // Held once, in the state's maps: the copy is not needed any more.
  cat = catalog_state{};
}

api_actor::behavior_type api_handler(api_pointer self, api_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  for (auto& f : st.cfg.catalog.flavors)
    st.flavors.emplace(f.id, f);
  for (auto& i : st.cfg.opts.images)
    st.images.emplace(i.id, i);
  for (auto& h : st.cfg.opts.hosts)
    st.zones.insert(h.availability_zone);
  // Nova's [quota] defaults, with ours for what the options set.
  auto& q = st.cfg.opts.quota;
  st.quota_defaults = {{"instances", q.instances},
                       {"cores", q.cores},
                       {"ram", q.ram_mb},
                       {"metadata_items", st.cfg.opts.quota_metadata_items},
                       {"key_pairs", 100},
                       {"server_groups", 10},
                       {"server_group_members", 10},
                       {"fixed_ips", -1},
                       {"floating_ips", 10},
                       {"security_groups", 10},
                       {"security_group_rules", 20},
                       {"injected_files", 5},
                       {"injected_file_content_bytes", 10240},
                       {"injected_file_path_bytes", 255}};
  restore(st);
  return {
    [self](create_servers& req) { return on_create(self, req); },
    [self](delete_server& req) { return on_delete(self, req); },
    [self](show_server& req) { return on_show(self, req); },
    [self](list_servers& req) { return on_list(self, req); },
    [self](update_server& req) { return on_update(self, req); },
    [self](server_action& req) { return on_action(self, req); },
    [self](server_metadata& req) { return on_metadata(self, req); },
    [self](list_services& req) -> caf::result<host_view_list> {
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-services:list");
      return self->delegate(self->state.cfg.scheduler, get_host_views{});
    },
    [self](update_service& req) -> caf::result<host_view_list> {
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-services:update");
      // The scheduler decides (404 for an unknown host); the answer waits
      // until the new status is durable.
      auto rp = self->make_response_promise<host_view_list>();
      self->request(self->state.cfg.scheduler, caf::infinite,
                    set_host_status{req.host, req.disabled, req.reason})
        .then(
          [self, rp, req](host_view_list& views) mutable {
            deliver_durably(self, rp, std::move(views), [req](database& db) {
              db.set_host_status(req.host, req.disabled, req.reason);
            });
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [self](list_instance_actions& req) {
      return with_visible_row<action_list>(
        self, req.ctx, req.id, [self](instance& row, auto& rp) {
          rp.delegate(self->state.cfg.store, get_actions{row.id});
        });
    },
    [self](security_group_request& req) {
      return on_security_group(self, req);
    },
    [self](list_flavors& req) {
      // Non-admins see public flavors only.
      flavor_list out;
      for (auto& kv : self->state.flavors)
        if (kv.second.is_public || req.ctx.is_admin)
          out.items.push_back(kv.second);
      return out;
    },
    [self](create_flavor& req) -> caf::result<flavor> {
      auto& st = self->state;
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-flavor-manage:create");
      auto& f = req.flavor_;
      if (f.id.empty())
        f.id = make_uuid();
      if (st.flavors.count(f.id) != 0)
        return nova_error(errc::flavor_id_exists, f.id);
      for (auto& kv : st.flavors)
        if (kv.second.name == f.name)
          return nova_error(errc::flavor_exists, f.name);
      st.flavors.emplace(f.id, f);
      return durably(self, f, [f](database& db) { db.put_flavor(f); });
    },
    [self](delete_flavor& req) -> caf::result<accepted> {
      if (!req.ctx.is_admin)
        return policy("os_compute_api:os-flavor-manage:delete");
      // Instances keep their copy of the flavor, as Nova's do.
      if (self->state.flavors.erase(req.id) == 0)
        return nova_error(errc::flavor_not_found, req.id);
      return durably(self, accepted{req.id},
                     [id = req.id](database& db) { db.drop_flavor(id); });
    },
    [self](list_images&) { return image_list{self->state.cfg.opts.images}; },
    [self](get_limits& req) { return on_limits(self, req); },
    [self](get_quota_set& req) { return on_get_quota(self, req); },
    [self](update_quota_set& req) { return on_update_quota(self, req); },
    [self](delete_quota_set& req) { return on_delete_quota(self, req); },
    [self](list_hypervisors& req) { return on_hypervisors(self, req); },
    [self](create_keypair& req) { return on_create_keypair(self, req); },
    [self](get_keypairs& req) { return on_get_keypairs(self, req); },
    [self](delete_keypair& req) { return on_delete_keypair(self, req); },
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
