#pragma once

#include <string>

#include "actors/scheduler/filters/filters.hpp"

// The aggregate filters (Nova's aggregate_instance_extra_specs.py,
// aggregate_multitenancy_isolation.py,
// aggregate_image_properties_isolation.py): hosts chosen by their
// aggregates' metadata.
namespace vmforge {

/// Nova's extra_specs_ops.match: `req` is a value, or an operator and
/// operands (=, ==, !=, >=, <=, s==, s!=, s<, s<=, s>, s>=, <in>,
/// <all-in>, <or>).
bool extra_spec_matches(const std::string& value, const std::string& req);

/// Every flavor extra spec unscoped or scoped aggregate_instance_extra_specs:
/// matches one of the host's aggregate values for its key.
bool aggregate_instance_extra_specs_filter(const host_state& host,
                                           const request_spec& spec,
                                           const filter_context& ctx);
/// A host in aggregates with filter_tenant_id* keys takes only those
/// projects.
bool aggregate_multitenancy_isolation(const host_state& host,
                                      const request_spec& spec,
                                      const filter_context& ctx);
/// Each aggregate key (under the configured namespace) the image has as a
/// property must hold the image's value.
bool aggregate_image_properties_isolation(const host_state& host,
                                          const request_spec& spec,
                                          const filter_context& ctx);

} // namespace vmforge
