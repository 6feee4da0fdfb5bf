#include "actors/scheduler/filters/aggregate_filters.hpp"

#include <cstdlib>
#include <vector>

namespace vmforge {

namespace {

constexpr const char* scope = "aggregate_instance_extra_specs";

// Python's float(): false if the text is not a number (Nova's filter then
// raises, which fails the host).
bool as_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  while (end != nullptr && *end == ' ')
    ++end;
  return !text.empty() && end != text.c_str() && *end == '\0';
}

bool numeric(const std::string& x, const std::string& y, int op) {
  double a = 0;
  double b = 0;
  if (!as_number(x, a) || !as_number(y, b))
    return false;
  switch (op) {
    case 0:
      return a >= b; // "=": at least
    case 1:
      return a == b;
    case 2:
      return a != b;
    case 3:
      return a >= b;
    default:
      return a <= b;
  }
}

} // namespace

bool extra_spec_matches(const std::string& value, const std::string& req) {
  // A plain value (no operator) is the common case: no split (this runs
  // per host and spec).
  if (req.find_first_of(" \t") == std::string::npos)
    return value == req;
  std::vector<std::string> words;
  for (size_t i = 0; i < req.size();) {
    auto start = req.find_first_not_of(" \t", i);
    if (start == std::string::npos)
      break;
    auto end = req.find_first_of(" \t", start);
    if (end == std::string::npos)
      end = req.size();
    words.push_back(req.substr(start, end - start));
    i = end;
  }
  if (words.empty())
    return value == req;
  auto& op = words[0];
  static const char* const numeric_ops[] = {"=", "==", "!=", ">=", "<="};
  static const char* const string_ops[] = {"s==", "s!=", "s<",
                                           "s<=", "s>",  "s>="};
  int numeric_op = -1;
  int string_op = -1;
  for (int i = 0; i < 5; ++i)
    if (op == numeric_ops[i])
      numeric_op = i;
  for (int i = 0; i < 6; ++i)
    if (op == string_ops[i])
      string_op = i;
  auto known = numeric_op >= 0 || string_op >= 0 || op == "<in>"
               || op == "<all-in>" || op == "<or>";
  if (!known)
    return value == req;
  if (op == "<or>") {
    // <or> v1 <or> v2 ...: the operands are every other word.
    for (size_t i = 1; i < words.size(); i += 2)
      if (words[i] == value)
        return true;
    return false;
  }
  if (words.size() < 2)
    return false;
  auto& operand = words[1];
  if (numeric_op >= 0)
    return numeric(value, operand, numeric_op);
  if (op == "<in>")
    return value.find(operand) != std::string::npos;
  if (op == "<all-in>") {
    for (size_t i = 1; i < words.size(); ++i)
      if (value.find(words[i]) == std::string::npos)
        return false;
    return true;
  }
  auto cmp = value.compare(operand);
  switch (string_op) {
    case 0:
      return cmp == 0;
    case 1:
      return cmp != 0;
    case 2:
      return cmp < 0;
    case 3:
      return cmp <= 0;
    case 4:
      return cmp > 0;
    default:
      return cmp >= 0;
  }
}

bool aggregate_instance_extra_specs_filter(const host_state& host,
                                           const request_spec& spec,
                                           const filter_context&) {
  for (auto& kv : spec.extra_specs) {
    auto key = kv.first;
    if (auto colon = key.find(':'); colon != std::string::npos) {
      if (key.compare(0, colon, scope) != 0)
        continue;
      key = key.substr(colon + 1);
    }
    if (!host.aggregates)
      return false;
    auto values = host.aggregates->find(key);
    if (values == host.aggregates->end() || values->second.empty())
      return false;
    auto any = false;
    for (auto& v : values->second)
      if (extra_spec_matches(v, kv.second)) {
        any = true;
        break;
      }
    if (!any)
      return false;
  }
  return true;
}

bool aggregate_multitenancy_isolation(const host_state& host,
                                      const request_spec& spec,
                                      const filter_context&) {
  if (!host.aggregates)
    return true;
  auto restricted = false;
  for (auto& kv : *host.aggregates) {
    if (kv.first.compare(0, 16, "filter_tenant_id") != 0)
      continue;
    restricted = restricted || !kv.second.empty();
    if (kv.second.count(spec.project_id) != 0)
      return true;
  }
  return !restricted;
}

bool aggregate_image_properties_isolation(const host_state& host,
                                          const request_spec& spec,
                                          const filter_context& ctx) {
  if (!host.aggregates)
    return true;
  std::string prefix;
  if (ctx.image_properties_namespace != nullptr
      && !ctx.image_properties_namespace->empty())
    prefix = *ctx.image_properties_namespace
             + (ctx.image_properties_separator != nullptr
                  ? *ctx.image_properties_separator
                  : std::string{});
  for (auto& kv : *host.aggregates) {
    if (!prefix.empty() && kv.first.compare(0, prefix.size(), prefix) != 0)
      continue;
    auto prop = spec.image_properties.find(kv.first);
    if (prop != spec.image_properties.end() && !prop->second.empty()
        && kv.second.count(prop->second) == 0)
      return false;
  }
  return true;
}

} // namespace vmforge
