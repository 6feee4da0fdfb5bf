#include "actors/api/keypairs.hpp"

#include <algorithm>

#include "messages/errors.hpp"
#include "messages/instance.hpp"

namespace vmforge {

void keypairs::restore(const std::vector<keypair>& stored) {
  for (auto& kp : stored) {
    by_user_[kp.user_id].emplace(kp.name, kp);
    next_id_ = std::max(next_id_, kp.id + 1);
  }
}

caf::expected<keypair> keypairs::create(const std::string& user_id,
                                        keypair kp, int64_t limit) {
  auto& mine = by_user_[user_id];
  if (mine.count(kp.name) != 0)
    return nova_error(errc::keypair_exists, kp.name);
  if (limit >= 0 && static_cast<int64_t>(mine.size()) >= limit)
    return nova_error(errc::keypair_limit_exceeded);
  kp.id = next_id_++;
  kp.user_id = user_id;
  kp.created_us = now_us();
  mine.emplace(kp.name, kp);
  return kp;
}

caf::expected<keypair_list> keypairs::get(const std::string& user_id,
                                          const std::string& name) const {
  keypair_list out;
  if (auto mine = by_user_.find(user_id); mine != by_user_.end())
    for (auto& kv : mine->second)
      if (name.empty() || kv.first == name)
        out.items.push_back(kv.second);
  if (!name.empty() && out.items.empty())
    return nova_error(errc::keypair_not_found, name, user_id);
  return out;
}

caf::error keypairs::remove(const std::string& user_id,
                            const std::string& name) {
  auto mine = by_user_.find(user_id);
  if (mine == by_user_.end() || mine->second.erase(name) == 0)
    return nova_error(errc::keypair_not_found, name, user_id);
  return caf::none;
}

bool keypairs::has(const std::string& user_id, const std::string& name) const {
  auto mine = by_user_.find(user_id);
  return mine != by_user_.end() && mine->second.count(name) != 0;
}

int64_t keypairs::count() const {
  int64_t n = 0;
  for (auto& kv : by_user_)
    n += static_cast<int64_t>(kv.second.size());
  return n;
}

} // namespace vmforge
