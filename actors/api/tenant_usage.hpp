#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/instance.hpp"
#include "messages/usage.hpp"

namespace vmforge {

/// Nova's simple_tenant_usage over `rows` (live and deleted): the
/// instances launched before the period's end and not terminated before
/// its start, billed for the hours of the period they ran, at `now`.
/// errc::invalid_input (Nova's MarkerNotFound words) for a marker no row
/// has.
caf::expected<usage_report> tenant_usage_of(std::vector<instance> rows,
                                            const usage_query& q, int64_t now);

} // namespace vmforge
