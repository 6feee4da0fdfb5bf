#pragma once

#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/api/api_actor.hpp"
#include "messages/instance.hpp"

// Nova's server tags (nova/api/openstack/compute/server_tags.py, 2.26):
// what each change makes of a server's tags, and when it may be made.
namespace vmforge {

/// Nova's instance.MAX_TAG_COUNT.
constexpr size_t max_server_tags = 50;

struct tag_change {
  std::vector<std::string> tags; // sorted, unique
  bool changed = false;          // something to write
  bool created = false;          // add: a new tag (201), else it was there
};

/// The tags after `op` with `args` (add and remove: one tag; replace: the
/// new set). Changes need vm_state ACTIVE, PAUSED, SUSPENDED or STOPPED
/// (409 InstanceInvalidState otherwise, whatever the task); an add beyond
/// 50 tags is 400, removing a tag the server lacks 404.
caf::expected<tag_change> apply_tags(const instance& row, tag_op op,
                                     const std::vector<std::string>& args);

} // namespace vmforge
