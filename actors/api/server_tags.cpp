#include "actors/api/server_tags.hpp"

#include <algorithm>

#include "messages/errors.hpp"

namespace vmforge {

namespace {

const char* action_name(tag_op op) {
  switch (op) {
    case tag_op::add:
      return "update tag";
    case tag_op::replace:
      return "update tags";
    case tag_op::remove:
      return "delete tag";
    case tag_op::remove_all:
      return "delete tags";
    case tag_op::list:
      break;
  }
  return "show tags";
}

} // namespace

caf::expected<tag_change> apply_tags(const instance& row, tag_op op,
                                     const std::vector<std::string>& args) {
  tag_change out{row.tags, false, false};
  if (op == tag_op::list)
    return out;
  // server_tags.py's _check_instance_in_valid_state: the vm_state only.
  auto vm = row.vm;
  if (vm != vm_state::active && vm != vm_state::paused
      && vm != vm_state::suspended && vm != vm_state::stopped)
    return nova_error(errc::instance_invalid_state, action_name(op), row.id,
                      "vm_state", to_string(vm));
  auto& tags = out.tags;
  auto has = [&](const std::string& t) {
    return std::binary_search(tags.begin(), tags.end(), t);
  };
  switch (op) {
    case tag_op::add: {
      // Nova counts before it looks: a full set refuses even a tag it has.
      if (tags.size() >= max_server_tags)
        return nova_error(errc::invalid_input,
                          "The number of tags exceeded the per-server limit "
                            + std::to_string(max_server_tags));
      auto& tag = args.at(0);
      if (has(tag))
        return out;
      tags.insert(std::lower_bound(tags.begin(), tags.end(), tag), tag);
      out.created = true;
      break;
    }
    case tag_op::remove: {
      auto& tag = args.at(0);
      if (!has(tag))
        return nova_error(errc::instance_tag_not_found, row.id, tag);
      tags.erase(std::lower_bound(tags.begin(), tags.end(), tag));
      break;
    }
    case tag_op::replace:
      tags = args;
      std::sort(tags.begin(), tags.end());
      tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
      break;
    case tag_op::remove_all:
      tags.clear();
      break;
    case tag_op::list:
      break;
  }
  out.changed = true;
  return out;
}

} // namespace vmforge
