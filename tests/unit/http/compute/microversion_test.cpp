#include <catch2/catch.hpp>

#include <string>

#include "http/compute/microversion.hpp"

using namespace vmforge::http;

namespace {

const char* modern = "OpenStack-API-Version";
const char* legacy = "X-OpenStack-Nova-API-Version";

request with(std::initializer_list<std::pair<const char*, const char*>> hs) {
  request req;
  for (auto& h : hs)
    req.set(h.first, h.second);
  return req;
}

// The version negotiated, as "X.Y", or the status of the refusal.
std::string negotiated(const request& req) {
  auto res = negotiate(req);
  if (!res.version)
    return std::to_string(res.status);
  CHECK(res.status == 200);
  return res.version->str();
}

} // namespace

TEST_CASE("microversion: none asked is 2.1, latest the maximum",
          "[microversion]") {
  CHECK(negotiated(request{}) == "2.1");
  CHECK(negotiated(with({{modern, "compute latest"}})) == "2.100");
  CHECK(negotiated(with({{modern, "compute LATEST"}})) == "2.100");
  CHECK(negotiated(with({{legacy, "latest"}})) == max_version.str());
}

TEST_CASE("microversion: OpenStack-API-Version names the service, the "
          "legacy header does not",
          "[microversion]") {
  CHECK(negotiated(with({{modern, "compute 2.10"}})) == "2.10");
  CHECK(negotiated(with({{legacy, "2.5"}})) == "2.5");
  // Several services in one header; the service name in any case.
  CHECK(negotiated(with({{modern, "volume 3.0, compute 2.20"}})) == "2.20");
  CHECK(negotiated(with({{modern, "Compute 2.3"}})) == "2.3");
}

TEST_CASE("microversion: OpenStack-API-Version wins over the legacy header",
          "[microversion]") {
  CHECK(negotiated(with({{modern, "compute 2.12"}, {legacy, "2.3"}}))
        == "2.12");
  // One that names another service only leaves the choice to the legacy.
  CHECK(negotiated(with({{modern, "volume 3.0"}, {legacy, "2.3"}})) == "2.3");
  CHECK(negotiated(with({{modern, "volume 3.0"}})) == "2.1");
}

TEST_CASE("microversion: a malformed version is 400 with the message Nova "
          "gives",
          "[microversion]") {
  // Nova's own examples (test_api_version_request.py) and its regex's
  // leading zeros; the header's surrounding blanks are trimmed first.
  for (auto bad : {"2", "2.", ".1", "two.one", "2.x", "2.1.1", "-2.1", "200",
                   "200.23.66.3", "5 .3", "5. 3", "5.03", "02.1", "2.001",
                   "2.01", "+2.1"}) {
    INFO(bad);
    auto res = negotiate(with({{legacy, bad}}));
    CHECK_FALSE(res.version);
    CHECK(res.status == 400);
    CHECK(res.message
          == "API Version String " + std::string{bad}
               + " is of invalid format. Must be of format "
                 "MajorNum.MinorNum.");
  }
  CHECK(negotiated(with({{modern, "compute 2.x"}})) == "400");
}

TEST_CASE("microversion: a version outside [2.1, max] is 406 with the "
          "message Nova gives",
          "[microversion]") {
  auto above = negotiate(with({{modern, "compute 2.101"}}));
  CHECK_FALSE(above.version);
  CHECK(above.status == 406);
  CHECK(above.message
        == "Version 2.101 is not supported by the API. Minimum is 2.1 and "
           "maximum is 2.100.");
  // Beyond an int is still a well-formed version, and out of range.
  auto huge = negotiate(with({{legacy, "2.99999999999"}}));
  CHECK(huge.status == 406);
  CHECK(huge.message.rfind("Version 2.99999999999 is not supported", 0) == 0);
  CHECK(negotiated(with({{legacy, "2.0"}})) == "406");
  CHECK(negotiated(with({{legacy, "3.0"}})) == "406");
  CHECK(negotiated(with({{legacy, "1.1"}})) == "406");
  // The bounds themselves are served.
  CHECK(negotiated(with({{legacy, "2.1"}})) == "2.1");
  CHECK(negotiated(with({{legacy, "2.37"}})) == "2.37");
  CHECK(negotiated(with({{legacy, "2.100"}})) == "2.100");
  CHECK(negotiated(with({{modern, "compute 2.90"}})) == "2.90");
}

TEST_CASE("microversion: parse_version takes what Nova's APIVersionRequest "
          "takes",
          "[microversion]") {
  // test_valid_version_strings
  CHECK(parse_version("1.1") == api_version{1, 1});
  CHECK(parse_version("2.10") == api_version{2, 10});
  CHECK(parse_version("5.234") == api_version{5, 234});
  CHECK(parse_version("12.5") == api_version{12, 5});
  CHECK(parse_version("2.0") == api_version{2, 0});
  CHECK(parse_version("2.200") == api_version{2, 200});
  // test_invalid_version_strings: no trimming at this level.
  for (auto bad : {"2", "200", "2.1.4", "5 .3", "5. 3", "5.03", "02.1",
                   "2.001", "", " 2.1", "2.1 "}) {
    INFO(bad);
    CHECK_FALSE(parse_version(bad));
  }
}

TEST_CASE("microversion: a folded legacy header counts its last value",
          "[microversion]") {
  CHECK(negotiated(with({{legacy, "2.3, 2.12"}})) == "2.12");
}

TEST_CASE("microversion: versions compare by major, then minor",
          "[microversion]") {
  CHECK(api_version{2, 9} < api_version{2, 10});
  CHECK(api_version{2, 99} < api_version{3, 0});
  CHECK(api_version{2, 19} >= api_version{2, 19});
  CHECK_FALSE(api_version{2, 18} >= api_version{2, 19});
  CHECK(api_version{2, 3} == api_version{2, 3});
}
