#include "http/compute/microversion.hpp"

#include <cctype>
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

std::optional<api_version> parse(const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
    return std::nullopt;
  for (size_t i = 0; i < text.size(); ++i)
    if (i != dot && !std::isdigit(static_cast<unsigned char>(text[i])))
      return std::nullopt;
  if (dot > 3 || text.size() - dot - 1 > 3)
    return std::nullopt;
  return api_version{std::stoi(text.substr(0, dot)),
                     std::stoi(text.substr(dot + 1))};
}

} // namespace

version_result negotiate(const request& req) {
  std::optional<std::string> wanted;
  auto modern = req.find("OpenStack-API-Version");
  if (modern != req.end())
    wanted = compute_entry(std::string{modern->value()});
  if (!wanted) {
    auto legacy = req.find("X-OpenStack-Nova-API-Version");
    if (legacy != req.end())
      wanted = trim(std::string{legacy->value()});
  }
  if (!wanted)
    return {min_version, 200, {}};
  if (lower(*wanted) == "latest")
    return {max_version, 200, {}};
  auto v = parse(*wanted);
  if (!v)
    return {std::nullopt, 400,
            "API Version String " + *wanted + " is of invalid format. Must be "
              "of format MajorNum.MinorNum."};
  if (*v < min_version || max_version < *v)
    return {std::nullopt, 406,
            "Version " + v->str() + " is not supported by the API. Minimum is "
              + min_version.str() + " and maximum is " + max_version.str()
              + "."};
  return {*v, 200, {}};
}

} // namespace vmforge::http
