#include "actors/api/server_groups.hpp"

#include <algorithm>

#include "messages/errors.hpp"
#include "messages/instance.hpp"
#include "util/uuid.hpp"

namespace vmforge {

void server_groups::restore(const std::vector<server_group>& stored) {
  for (auto& g : stored) {
    by_id_.emplace(g.id, g);
    last_created_us_ = std::max(last_created_us_, g.created_us);
  }
}

caf::expected<server_group> server_groups::create(const request_context& ctx,
                                                  server_group g,
                                                  int64_t limit) {
  if (limit >= 0 && count(ctx.project_id) >= limit)
    return nova_error(errc::server_group_limit_exceeded);
  if (g.policy != "anti-affinity" && g.max_server_per_host != 0)
    return nova_error(errc::invalid_input,
                      "Only anti-affinity policy supports rules.");
  g.id = make_uuid();
  g.project_id = ctx.project_id;
  g.user_id = ctx.user_id;
  g.members.clear();
  // Strictly increasing, as Nova's autoincrement ids: the list's order
  // even for groups made within one microsecond.
  g.created_us = last_created_us_ = std::max(now_us(), last_created_us_ + 1);
  by_id_.emplace(g.id, g);
  return g;
}

server_group_list server_groups::list(const request_context& ctx, bool all,
                                      int64_t offset, int64_t limit) const {
  std::vector<const server_group*> mine;
  for (auto& kv : by_id_)
    if (all || kv.second.project_id == ctx.project_id)
      mine.push_back(&kv.second);
  // By age, as Nova's rows come by id; uuids would shuffle them.
  std::stable_sort(mine.begin(), mine.end(),
                   [](const server_group* x, const server_group* y) {
                     return x->created_us < y->created_us;
                   });
  server_group_list out;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(offset, 0));
       i < mine.size()
       && (limit < 0 || static_cast<int64_t>(out.items.size()) < limit);
       ++i)
    out.items.push_back(*mine[i]);
  return out;
}

caf::expected<server_group> server_groups::show(const request_context& ctx,
                                                const std::string& id,
                                                const std::string& rule) const {
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return nova_error(errc::instance_group_not_found, id);
  if (!ctx.is_admin && i->second.project_id != ctx.project_id)
    return nova_error(errc::policy_not_authorized, rule);
  return i->second;
}

caf::expected<server_group> server_groups::remove(const request_context& ctx,
                                                  const std::string& id) {
  auto g = show(ctx, id, "os_compute_api:os-server-groups:delete");
  if (g)
    by_id_.erase(id);
  return g;
}

const server_group* server_groups::find(const std::string& id) const {
  auto i = by_id_.find(id);
  return i == by_id_.end() ? nullptr : &i->second;
}

caf::error server_groups::check_members(const std::string& id, int64_t adding,
                                        int64_t limit) const {
  auto g = find(id);
  if (g == nullptr)
    return nova_error(errc::instance_group_not_found, id);
  if (limit >= 0 && static_cast<int64_t>(g->members.size()) + adding > limit)
    return nova_error(errc::group_member_limit_exceeded);
  return caf::none;
}

server_group
server_groups::add_members(const std::string& id,
                           const std::vector<std::string>& instances) {
  auto& g = by_id_.at(id);
  g.members.insert(g.members.end(), instances.begin(), instances.end());
  return g;
}

std::vector<server_group>
server_groups::remove_member(const std::string& instance_id) {
  std::vector<server_group> changed;
  for (auto& kv : by_id_) {
    auto& m = kv.second.members;
    auto i = std::find(m.begin(), m.end(), instance_id);
    if (i != m.end()) {
      m.erase(i);
      changed.push_back(kv.second);
    }
  }
  return changed;
}

std::vector<std::string>
server_groups::groups_of(const std::string& instance_id) const {
  std::vector<std::string> out;
  for (auto& kv : by_id_) {
    auto& m = kv.second.members;
    if (std::find(m.begin(), m.end(), instance_id) != m.end())
      out.push_back(kv.first);
  }
  return out;
}

int64_t server_groups::count(const std::string& project_id) const {
  return std::count_if(by_id_.begin(), by_id_.end(), [&](const auto& kv) {
    return kv.second.project_id == project_id;
  });
}

} // namespace vmforge
