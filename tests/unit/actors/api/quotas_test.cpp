#include <catch2/catch.hpp>

#include "actors/api/quotas.hpp"

using namespace vmforge;

namespace {

quotas sample() {
  options opts;
  opts.quota = quota_limits{7, 14, 2048};
  opts.quota_metadata_items = 3;
  return quotas{opts};
}

} // namespace

TEST_CASE("quotas: the default class is Nova's, with what the options set",
          "[quotas]") {
  auto q = sample();
  CHECK(q.defaults().at("instances") == 7);
  CHECK(q.defaults().at("cores") == 14);
  CHECK(q.defaults().at("ram") == 2048);
  CHECK(q.defaults().at("metadata_items") == 3);
  CHECK(q.defaults().at("key_pairs") == 100);
  CHECK(q.defaults().at("security_groups") == 10);
  CHECK(q.defaults().at("fixed_ips") == -1);
  CHECK(q.project("any") == q.defaults());
  CHECK(q.limit("any", "no_such_resource") == 0);
}

TEST_CASE("quotas: a project's overrides, then its users'", "[quotas]") {
  auto q = sample();
  auto written = q.set_project("p", {{"instances", 3}});
  REQUIRE(written.size() == 1);
  CHECK(written[0].scope == "project");
  CHECK(written[0].project_id == "p");
  CHECK(written[0].user_id.empty());
  CHECK(written[0].resource == "instances");
  CHECK(written[0].limit == 3);
  q.set_user("p", "u", {{"cores", 1}});
  CHECK(q.limit("p", "instances") == 3);
  CHECK(q.limit("other", "instances") == 7);
  // A user's limits are the project's with the user's own.
  CHECK(q.user("p", "u").at("instances") == 3);
  CHECK(q.user("p", "u").at("cores") == 1);
  CHECK(q.user("p", "v").at("cores") == 14);
  // What a create counts against is the project's, not the user's.
  auto limits = q.instance_limits("p");
  CHECK(limits.instances == 3);
  CHECK(limits.cores == 14);
  CHECK(limits.ram_mb == 2048);
}

TEST_CASE("quotas: a class change moves every project's defaults",
          "[quotas]") {
  auto q = sample();
  q.set_project("p", {{"cores", 5}});
  auto written = q.set_class("default", {{"cores", 40}, {"ram", 100}});
  REQUIRE(written.size() == 2);
  CHECK(written[0].scope == "class");
  CHECK(written[0].project_id == "default");
  CHECK(q.defaults().at("cores") == 40);
  CHECK(q.limit("other", "ram") == 100);
  CHECK(q.limit("p", "cores") == 5); // the override stays
}

TEST_CASE("quotas: another class has its own values over the options' and "
          "changes no project's",
          "[quotas]") {
  auto q = sample();
  auto written = q.set_class("gold", {{"cores", 99}});
  REQUIRE(written.size() == 1);
  CHECK(written[0].scope == "class");
  CHECK(written[0].project_id == "gold");
  CHECK(q.quota_class("gold").at("cores") == 99);
  CHECK(q.quota_class("gold").at("instances") == 7);
  CHECK(q.defaults().at("cores") == 14);
  CHECK(q.limit("p", "cores") == 14);
  // The default class is the one projects get; an unknown class is the
  // options' defaults, not the default class's.
  q.set_class("default", {{"instances", 20}});
  CHECK(q.quota_class("default") == q.defaults());
  CHECK(q.quota_class("silver").at("instances") == 7);
  CHECK(q.quota_class("gold").at("instances") == 7);
}

TEST_CASE("quotas: dropping a project's limits drops its users' too",
          "[quotas]") {
  auto q = sample();
  q.set_project("p", {{"instances", 1}});
  q.set_user("p", "u", {{"instances", 2}});
  q.set_user("p2", "u", {{"instances", 4}});
  q.drop_project("p");
  CHECK(q.project("p") == q.defaults());
  CHECK(q.user("p", "u") == q.defaults());
  CHECK(q.user("p2", "u").at("instances") == 4);
}

TEST_CASE("quotas: stored limits by scope", "[quotas]") {
  auto q = sample();
  q.restore({{"class", "default", "", "instances", 50},
             {"class", "gold", "", "instances", 60},
             {"project", "p", "", "cores", 8},
             {"user", "p", "u", "ram", 512}});
  CHECK(q.limit("other", "instances") == 50);
  CHECK(q.quota_class("gold").at("instances") == 60);
  CHECK(q.limit("p", "cores") == 8);
  CHECK(q.limit("p", "ram") == 2048);
  CHECK(q.user("p", "u").at("ram") == 512);
}

TEST_CASE("quotas: views of the limits and what is used", "[quotas]") {
  auto q = sample();
  project_usage use{2, 3, 1024};
  auto abs = limits_view(q.project("p"), use, 4, 2);
  CHECK(abs.max_instances == 7);
  CHECK(abs.max_cores == 14);
  CHECK(abs.max_ram_mb == 2048);
  CHECK(abs.max_metadata_items == 3);
  CHECK(abs.instances_used == 2);
  CHECK(abs.cores_used == 3);
  CHECK(abs.ram_mb_used == 1024);
  CHECK(abs.security_groups_used == 4);
  CHECK(abs.max_server_groups == 10);
  CHECK(abs.max_server_group_members == 10);
  CHECK(abs.server_groups_used == 2);
  auto set = quota_view(q.project("p"), use, 5, 1);
  CHECK(set.limits == q.defaults());
  CHECK(set.in_use
        == quota_map{{"instances", 2}, {"cores", 3}, {"ram", 1024},
                     {"key_pairs", 5}, {"server_groups", 1}});
  CHECK(quota_view(q.defaults()).in_use.empty());
}
