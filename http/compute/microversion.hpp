#pragma once

#include <optional>
#include <string>

#include "http/server.hpp"

// Compute API microversions (nova/api/openstack/api_version_request.py).
namespace vmforge::http {

struct api_version {
  int major = 2;
  int minor = 1;

  friend bool operator<(api_version x, api_version y) {
    return x.major != y.major ? x.major < y.major : x.minor < y.minor;
  }
  friend bool operator>=(api_version x, api_version y) {
    return !(x < y);
  }
  friend bool operator==(api_version x, api_version y) {
    return x.major == y.major && x.minor == y.minor;
  }
  std::string str() const {
    return std::to_string(major) + "." + std::to_string(minor);
  }
};

constexpr api_version min_version{2, 1};
/// The highest microversion whose behaviour every endpoint we serve has.
constexpr api_version max_version{2, 100};

struct version_result {
  std::optional<api_version> version;
  unsigned status = 200; // 400 malformed, 406 out of range
  std::string message;
};

/// "X.Y" as Nova's APIVersionRequest takes it; nullopt if malformed.
std::optional<api_version> parse_version(const std::string& text);

/// Reads `OpenStack-API-Version: compute X.Y` (first) or
/// `X-OpenStack-Nova-API-Version: X.Y`; none means 2.1, "latest" the max.
version_result negotiate(const request& req);

} // namespace vmforge::http
