#pragma once

#include <cstdint>

#include <caf/meta/type_name.hpp>

// The limits a project's instances count against.
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

} // namespace vmforge
