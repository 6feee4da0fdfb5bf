#include "http/compute/microversion.hpp"

#include <cctype>
#include <climits>
#include <regex>
#include <sstream>
#include <vector>

namespace vmforge::http {

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The "compute" entry of an OpenStack-API-Version header, which may list
// several services separated by commas.
std::optional<std::string> compute_entry(const std::string& header) {
  std::stringstream in{header};
  std::string item;
  while (std::getline(in, item, ',')) {
    auto t = trim(item);
    auto sp = t.find_first_of(" \t");
    if (sp == std::string::npos)
      continue;
    if (lower(t.substr(0, sp)) == "compute")
      return trim(t.substr(sp + 1));
  }
  return std::nullopt;
}

} // namespace

std::optional<api_version> parse_version(const std::string& text) {
  // Nova's ^([1-9]\d*)\.([1-9]\d*|0)$: no sign, no space, no leading zero.
  static const std::regex form{R"(^([1-9][0-9]*)\.([1-9][0-9]*|0)$)"};
  std::smatch m;
  if (!std::regex_match(text, m, form))
    return std::nullopt;
  // Numbers beyond an int are valid and out of range (406), as in Python.
  auto number = [](const std::string& digits) {
    return digits.size() > 9 ? INT_MAX : std::stoi(digits);
  };
  return api_version{number(m[1].str()), number(m[2].str())};
}

version_result negotiate(const request& req) {
  std::optional<std::string> wanted;
  auto modern = req.find("OpenStack-API-Version");
  if (modern != req.end())
    wanted = compute_entry(std::string{modern->value()});
  if (!wanted) {
    auto legacy = req.find("X-OpenStack-Nova-API-Version");
    if (legacy != req.end()) {
      // microversion_parse takes the last of a folded legacy header.
      auto value = std::string{legacy->value()};
      wanted = trim(value.substr(value.rfind(',') + 1));
    }
  }
  if (!wanted)
    return {min_version, 200, {}};
  if (lower(*wanted) == "latest")
    return {max_version, 200, {}};
  auto v = parse_version(*wanted);
  if (!v)
    return {std::nullopt, 400,
            "API Version String " + *wanted + " is of invalid format. Must be "
              "of format MajorNum.MinorNum."};
  if (*v < min_version || max_version < *v)
    return {std::nullopt, 406,
            "Version " + *wanted + " is not supported by the API. Minimum is "
              + min_version.str() + " and maximum is " + max_version.str()
              + "."};
  return {*v, 200, {}};
}

} // namespace vmforge::http
