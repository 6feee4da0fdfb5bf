#include "http/compute/query_schema.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace vmforge::http {

namespace {

const char* const true_strings[] = {"True", "TRUE", "true", "1", "ON",
                                    "On", "on", "YES", "Yes", "yes"};
const char* const false_strings[] = {"False", "FALSE", "false", "0", "OFF",
                                     "Off", "off", "NO", "No", "no"};

bool one_of(const std::string& s, const char* const (&strings)[10]) {
  return std::any_of(std::begin(strings), std::end(strings),
                     [&](const char* x) { return s == x; });
}

} // namespace

std::string additional_properties(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out = "Additional properties are not allowed (";
  for (size_t i = 0; i < names.size(); ++i)
    out += (i > 0 ? ", '" : "'") + names[i] + "'";
  return out + (names.size() == 1 ? " was unexpected)" : " were unexpected)");
}

std::string unexpected_params(const call& c,
                              const std::vector<std::string>& allowed) {
  std::vector<std::string> extra;
  for (auto& kv : c.query)
    if (std::find(allowed.begin(), allowed.end(), kv.first) == allowed.end())
      extra.push_back(kv.first);
  return extra.empty() ? std::string{} : additional_properties(extra);
}

bool oslo_boolean(const std::string& text) {
  return one_of(text, true_strings) || one_of(text, false_strings);
}

bool oslo_true(const std::string& text) {
  return one_of(text, true_strings);
}

std::string oslo_boolean_enum() {
  std::string values = "[True";
  for (auto x : true_strings)
    values += std::string{", '"} + x + "'";
  values += ", False";
  for (auto x : false_strings)
    values += std::string{", '"} + x + "'";
  return values + "]";
}

bool query_boolean(const call& c, const std::string& name, bool& value,
                   std::string& error) {
  value = false;
  if (!c.has_param(name))
    return true;
  auto text = c.param(name);
  if (!oslo_boolean(text)) {
    error = "Invalid input for query parameters " + name + ". Value: " + text
            + ". '" + text + "' is not one of " + oslo_boolean_enum();
    return false;
  }
  value = oslo_true(text);
  return true;
}

bool query_integer(const call& c, const std::string& name, int64_t& out,
                   std::string& error) {
  if (!c.has_param(name))
    return true;
  auto text = c.param(name);
  auto prefix = "Invalid input for query parameters " + name + ". Value: "
                + text + ". ";
  if (text.empty()) {
    error = prefix + "'' is too short";
    return false;
  }
  if (!std::all_of(text.begin(), text.end(), ::isdigit) || text.size() > 18) {
    error = prefix + "'" + text + "' does not match '^[0-9]*$'";
    return false;
  }
  out = std::stoll(text);
  return true;
}

} // namespace vmforge::http
