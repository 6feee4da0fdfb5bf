#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

// The limits a project's instances count against, and one stored limit.
namespace vmforge {

/// Per-project limits (Nova's [quota]); a negative value means unlimited.
struct quota_limits {
  int64_t instances = 10;
  int64_t cores = 20;
  int64_t ram_mb = 51200;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_limits& x) {
  return f(caf::meta::type_name("quota_limits"), x.instances, x.cores,
           x.ram_mb);
}

/// One quota limit. `scope` is "class" (project_id names the class),
/// "project" or "user" (both ids set).
struct quota_entry {
  std::string scope;
  std::string project_id;
  std::string user_id;
  std::string resource;
  int64_t limit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_entry& x) {
  return f(caf::meta::type_name("quota_entry"), x.scope, x.project_id,
           x.user_id, x.resource, x.limit);
}

} // namespace vmforge
