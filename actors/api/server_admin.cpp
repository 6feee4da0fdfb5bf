#include "actors/api/server_admin.hpp"

namespace vmforge {

instance_update reset_state_update(const std::string& id, vm_state state) {
  instance_update u;
  u.id = id;
  u.vm = state;
  u.task = task_state::none;
  u.expected = task_set::any();
  u.acknowledged = true;
  return u;
}

std::string extract_password(
  const std::map<std::string, std::string>& system_metadata) {
  std::string prefix = password_key_prefix;
  std::string out;
  // A std::map is in key order, as Nova's sorted(sys_meta.keys()).
  for (auto i = system_metadata.lower_bound(prefix);
       i != system_metadata.end()
       && i->first.compare(0, prefix.size(), prefix) == 0;
       ++i)
    out += i->second;
  return out;
}

} // namespace vmforge
