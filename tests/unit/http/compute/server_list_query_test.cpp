#include <catch2/catch.hpp>

#include "http/compute/server_list_query.hpp"

using namespace vmforge;
using namespace vmforge::http;

namespace {

// 2025-11-25T16:27:13Z
constexpr int64_t t0_us = 1764088033LL * 1000000;

call query(api_version v, bool admin,
           std::initializer_list<std::pair<std::string, std::string>> q) {
  call c;
  c.version = v;
  c.ctx.is_admin = admin;
  for (auto& kv : q)
    c.query.emplace(kv.first, kv.second);
  return c;
}

instance row() {
  instance r;
  r.user_id = "u-1";
  r.availability_zone = "az-east";
  r.key_name = "deploy";
  r.config_drive = true;
  r.vm = vm_state::active;
  r.task = task_state::none;
  r.power = power_state::running;
  r.created_us = t0_us;
  r.launched_us = t0_us + 1000000;
  return r;
}

bool keeps(const call& c, const instance& r = row()) {
  server_list_filters f;
  std::string error;
  REQUIRE(f.parse(c, error));
  return f.matches(r);
}

} // namespace

TEST_CASE("from 2.75 a parameter index_query_v275 does not name is 400",
          "[http][server_list]") {
  CHECK(unknown_server_list_params(query({2, 74}, false, {{"foo", "1"}}))
          .empty());
  CHECK(unknown_server_list_params(query({2, 75}, false, {{"foo", "1"}}))
        == "Additional properties are not allowed ('foo' was unexpected)");
  CHECK(unknown_server_list_params(
          query({2, 75}, false,
                {{"name", "a"}, {"locked", "1"}, {"changes-before", "x"},
                 {"not-tags-any", "t"}, {"sort_key", "uuid"},
                 {"_internal", "x"}}))
          .empty());
}

TEST_CASE("the 2.83 filters are ignored for non-admins before 2.83",
          "[http][server_list]") {
  CHECK(keeps(query({2, 82}, false, {{"user_id", "someone"}})));
  CHECK_FALSE(keeps(query({2, 83}, false, {{"user_id", "someone"}})));
  CHECK_FALSE(keeps(query({2, 1}, true, {{"user_id", "someone"}})));
}

TEST_CASE("exact filters compare the column, the others are expressions",
          "[http][server_list]") {
  auto v = api_version{2, 83};
  CHECK(keeps(query(v, false, {{"user_id", "u-1"}, {"vm_state", "active"}})));
  CHECK_FALSE(keeps(query(v, false, {{"user_id", "u"}})));
  CHECK_FALSE(keeps(query(v, false, {{"task_state", "deleting"}})));
  CHECK(keeps(query(v, false, {{"availability_zone", "east"},
                               {"key_name", "^dep"},
                               {"config_drive", "True"},
                               {"power_state", "1"},
                               {"progress", "0"},
                               {"created_at", "^2025-11-25 16:27"},
                               {"launched_at", "16:27:14"}})));
  CHECK_FALSE(keeps(query(v, false, {{"availability_zone", "west"}})));
  CHECK_FALSE(keeps(query(v, false, {{"power_state", "4"}})));
  // terminated_at is NULL for a live server: no expression matches it.
  CHECK_FALSE(keeps(query(v, false, {{"terminated_at", ""}})));
  auto no_key = row();
  no_key.key_name.clear();
  CHECK_FALSE(keeps(query(v, false, {{"key_name", ".*"}}), no_key));
  server_list_filters f;
  std::string error;
  CHECK_FALSE(f.parse(query(v, false, {{"key_name", "("}}), error));
  CHECK(error == "Invalid regular expression: (");
}
