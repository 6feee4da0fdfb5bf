#pragma once

#include <string>
#include <vector>

#include "http/compute/call.hpp"

// What Nova's query schemas (nova/api/openstack/compute/schemas/*.py,
// checked by jsonschema) answer for query parameters, in jsonschema's own
// words, so that a resource names only its schema's properties.
namespace vmforge::http {

/// "Additional properties are not allowed ('a', 'b' were unexpected)",
/// the names sorted as jsonschema sorts them.
std::string additional_properties(std::vector<std::string> names);

/// The message for the query parameters of `c` that are not `allowed`
/// (an `additionalProperties: False` schema), or "" when all are.
std::string unexpected_params(const call& c,
                              const std::vector<std::string>& allowed);

/// One of oslo's strings Nova's `parameter_types.boolean` takes
/// ("True", "yes", "0", ...).
bool oslo_boolean(const std::string& text);
/// strutils.bool_from_string of a string oslo_boolean took.
bool oslo_true(const std::string& text);
/// The enum `parameter_types.boolean` fails with, as Python shows it:
/// "[True, 'True', ..., False, 'False', ...]".
std::string oslo_boolean_enum();

/// A query parameter of type `parameter_types.boolean`: its value in
/// `value` (false when absent); false and Nova's 400 text in `error` when
/// it is not one of the enum.
bool query_boolean(const call& c, const std::string& name, bool& value,
                   std::string& error);

/// A query parameter of type `parameter_types.non_negative_integer`
/// (limit, offset): `out` unchanged when absent; false and Nova's 400 text
/// in `error` when it is not digits.
bool query_integer(const call& c, const std::string& name, int64_t& out,
                   std::string& error);

} // namespace vmforge::http
