#include <catch2/catch.hpp>

#include "http/compute/query_schema.hpp"

using namespace vmforge::http;

namespace {

call with_query(std::initializer_list<std::pair<std::string, std::string>> q) {
  call c;
  for (auto& kv : q)
    c.query.emplace(kv.first, kv.second);
  return c;
}

} // namespace

TEST_CASE("additionalProperties: False names the unexpected parameters "
          "sorted, as jsonschema",
          "[http][query_schema]") {
  CHECK(additional_properties({"zone"})
        == "Additional properties are not allowed ('zone' was unexpected)");
  CHECK(additional_properties({"b", "a", "b"})
        == "Additional properties are not allowed ('a', 'b' were "
           "unexpected)");
  auto c = with_query({{"host", "h"}, {"zone", "z"}, {"binary", "b"}});
  CHECK(unexpected_params(c, {"host", "binary"})
        == "Additional properties are not allowed ('zone' was unexpected)");
  CHECK(unexpected_params(c, {"host", "binary", "zone"}).empty());
}

TEST_CASE("parameter_types.boolean in a query takes oslo's strings only",
          "[http][query_schema]") {
  bool value = true;
  std::string error;
  CHECK(query_boolean(with_query({}), "with_servers", value, error));
  CHECK_FALSE(value);
  for (auto yes : {"true", "True", "1", "on", "YES"}) {
    CHECK(query_boolean(with_query({{"with_servers", yes}}), "with_servers",
                        value, error));
    CHECK(value);
  }
  CHECK(query_boolean(with_query({{"with_servers", "no"}}), "with_servers",
                      value, error));
  CHECK_FALSE(value);
  CHECK_FALSE(query_boolean(with_query({{"with_servers", "maybe"}}),
                            "with_servers", value, error));
  CHECK(error
        == "Invalid input for query parameters with_servers. Value: maybe. "
           "'maybe' is not one of " + oslo_boolean_enum());
  CHECK(oslo_boolean_enum().rfind("[True, 'True', 'TRUE'", 0) == 0);
}

TEST_CASE("non_negative_integer query parameters are digits",
          "[http][query_schema]") {
  int64_t n = -1;
  std::string error;
  CHECK(query_integer(with_query({{"limit", "12"}}), "limit", n, error));
  CHECK(n == 12);
  CHECK_FALSE(query_integer(with_query({{"limit", "-1"}}), "limit", n, error));
  CHECK(error == "Invalid input for query parameters limit. Value: -1. '-1' "
                 "does not match '^[0-9]*$'");
}
