#include <catch2/catch.hpp>

#include <string>

#include <boost/json.hpp>

#include "http/compute/server_group_schema.hpp"

using namespace vmforge;
using namespace vmforge::http;
namespace json = boost::json;

namespace {

const api_version v2_1{2, 1};
const api_version v2_15{2, 15};
const api_version v2_64{2, 64};

// What parse_server_group answers for `body` at `version`: "" when it
// passes, else its message.
std::string refusal(const char* body, api_version version,
                    server_group* out = nullptr) {
  server_group g;
  std::string error;
  auto ok = parse_server_group(json::parse(body), version, g, error);
  if (out != nullptr)
    *out = g;
  return ok ? std::string{} : error;
}

} // namespace

TEST_CASE("server group create before 2.64: policies is a list of one "
          "known policy",
          "[server_groups][schema]") {
  server_group g;
  CHECK(refusal(R"({"server_group": {"name": "g", "policies": ["affinity"]}})",
                v2_1, &g)
        == "");
  CHECK(g.name == "g");
  CHECK(g.policy == "affinity");
  CHECK(refusal(R"({"server_group": {"name": "g",
                                     "policies": ["soft-affinity"]}})",
                v2_1)
        == "Invalid input for field/attribute 0. Value: soft-affinity. "
           "'soft-affinity' is not one of ['anti-affinity', 'affinity']");
  CHECK(refusal(R"({"server_group": {"name": "g",
                                     "policies": ["soft-affinity"]}})",
                v2_15, &g)
        == "");
  CHECK(g.policy == "soft-affinity");
  CHECK(refusal(R"({"server_group": {"name": "g", "policies": []}})", v2_1)
        == "Invalid input for field/attribute policies. Value: []. [] is too "
           "short");
  CHECK(refusal(R"({"server_group": {"name": "g",
                    "policies": ["affinity", "anti-affinity"]}})",
                v2_1)
        == "Invalid input for field/attribute policies. Value: "
           "[\"affinity\",\"anti-affinity\"]. [\"affinity\",\"anti-affinity\"] "
           "is too long");
  CHECK(refusal(R"({"server_group": {"name": "g",
                    "policies": ["affinity", "affinity"]}})",
                v2_1)
        == "Invalid input for field/attribute policies. Value: "
           "[\"affinity\",\"affinity\"]. [\"affinity\",\"affinity\"] has "
           "non-unique elements");
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "affinity"}})",
                v2_1)
        == "Invalid input for field/attribute server_group. Value: "
           "{\"name\":\"g\",\"policy\":\"affinity\"}. 'policies' is a "
           "required property");
  CHECK(refusal(R"({"server_group": {"name": "g", "policies": ["affinity"],
                                     "rules": {}}})",
                v2_1)
        == "Additional properties are not allowed ('rules' was unexpected)");
  CHECK(refusal(R"({"group": {}})", v2_1)
        == "'server_group' is a required property");
  CHECK(refusal(R"({"server_group": {"name": "", "policies": ["affinity"]}})",
                v2_1)
        == "Invalid input for field/attribute name. Value: . '' is too short");
}

TEST_CASE("server group create from 2.64: policy and rules, policies "
          "refused",
          "[server_groups][schema]") {
  server_group g;
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "anti-affinity",
                    "rules": {"max_server_per_host": 3}}})",
                v2_64, &g)
        == "");
  CHECK(g.policy == "anti-affinity");
  CHECK(g.max_server_per_host == 3);
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "anti-affinity",
                    "rules": {"max_server_per_host": "2"}}})",
                v2_64, &g)
        == "");
  CHECK(g.max_server_per_host == 2);
  CHECK(refusal(R"({"server_group": {"name": "g",
                                     "policies": ["affinity"]}})",
                v2_64)
        == "Invalid input for field/attribute server_group. Value: "
           "{\"name\":\"g\",\"policies\":[\"affinity\"]}. 'policy' is a "
           "required property");
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "x"}})", v2_64)
        == "Invalid input for field/attribute policy. Value: x. 'x' is not "
           "one of ['anti-affinity', 'affinity', 'soft-anti-affinity', "
           "'soft-affinity']");
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "anti-affinity",
                    "rules": {"max_server_per_host": 0}}})",
                v2_64)
        == "Invalid input for field/attribute max_server_per_host. Value: 0. "
           "0 is less than the minimum of 1");
  CHECK(refusal(R"({"server_group": {"name": "g", "policy": "anti-affinity",
                    "rules": {"other": 1}}})",
                v2_64)
        == "Additional properties are not allowed ('other' was unexpected)");
}

TEST_CASE("server group views by microversion", "[server_groups][views]") {
  server_group g{"g-1", "web", "p", "u", "anti-affinity", 2, {"i-1"}, 0};
  auto old = server_group_view(g, v2_1);
  CHECK(old.at("policies") == json::array{"anti-affinity"});
  CHECK(old.at("metadata") == json::object{});
  CHECK(old.at("members") == json::array{"i-1"});
  CHECK_FALSE(old.contains("project_id"));
  CHECK_FALSE(old.contains("policy"));
  auto v213 = server_group_view(g, api_version{2, 13});
  CHECK(v213.at("project_id") == "p");
  CHECK(v213.at("user_id") == "u");
  auto v264 = server_group_view(g, v2_64);
  CHECK(v264.at("policy") == "anti-affinity");
  CHECK(v264.at("rules") == json::object{{"max_server_per_host", 2}});
  CHECK_FALSE(v264.contains("policies"));
  CHECK_FALSE(v264.contains("metadata"));
  g.max_server_per_host = 0;
  CHECK(server_group_view(g, v2_64).at("rules") == json::object{});
}
