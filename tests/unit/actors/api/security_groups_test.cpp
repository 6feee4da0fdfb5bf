#include <catch2/catch.hpp>

#include "actors/api/security_groups.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

security_group_info group(std::string name) {
  security_group_info g;
  g.name = std::move(name);
  g.description = "d";
  return g;
}

security_group_rule_info rule_of(int64_t parent) {
  security_group_rule_info r;
  r.parent_group_id = parent;
  r.ip_protocol = "tcp";
  r.from_port = 22;
  r.to_port = 22;
  r.cidr = "0.0.0.0/0";
  return r;
}

} // namespace

TEST_CASE("security_groups: a project's \"default\" comes with its first "
          "use",
          "[security_groups]") {
  security_groups sgs;
  CHECK(sgs.used("p") == 1);
  CHECK(sgs.known("p", "default"));
  auto& groups = sgs.of("p");
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].id == 1);
  CHECK(groups[0].name == "default");
  CHECK(groups[0].project_id == "p");
  CHECK(sgs.of("q")[0].id == 2);
  CHECK(sgs.of("p").size() == 1); // made once
}

TEST_CASE("security_groups: creates are unique by name and limited",
          "[security_groups]") {
  security_groups sgs;
  auto g = group("web");
  g.rules.push_back(rule_of(9)); // a new group has no rules
  auto web = sgs.create("p", g, 3);
  REQUIRE(web);
  REQUIRE(web->items.size() == 1);
  CHECK(web->items[0].id == 2); // after "default"
  CHECK(web->items[0].project_id == "p");
  CHECK(web->items[0].rules.empty());
  CHECK(sgs.known("p", "web"));
  CHECK_FALSE(sgs.known("q", "web"));
  CHECK(sgs.used("p") == 2);
  auto again = sgs.create("p", group("web"), 3);
  REQUIRE_FALSE(again);
  CHECK(error_message(again.error()) == "Security group web already exists");
  REQUIRE(sgs.create("p", group("db"), 3));
  auto over = sgs.create("p", group("cache"), 3);
  REQUIRE_FALSE(over);
  CHECK(over.error() == errc::security_group_limit_exceeded);
  CHECK(sgs.create("p", group("cache"), -1));
}

TEST_CASE("security_groups: show and remove by id; \"default\" stays",
          "[security_groups]") {
  security_groups sgs;
  auto id = sgs.create("p", group("web"), -1)->items[0].id;
  auto shown = sgs.show("p", id);
  REQUIRE(shown);
  CHECK(shown->items[0].name == "web");
  CHECK(sgs.show("q", id).error() == errc::security_group_not_found);
  auto dflt = sgs.remove("p", sgs.of("p")[0].id);
  REQUIRE_FALSE(dflt);
  CHECK(error_message(dflt.error())
        == "Removing default security group not allowed.");
  REQUIRE(sgs.remove("p", id));
  CHECK_FALSE(sgs.known("p", "web"));
  auto gone = sgs.remove("p", id);
  REQUIRE_FALSE(gone);
  CHECK(error_message(gone.error())
        == "Security group " + std::to_string(id) + " not found.");
}

TEST_CASE("security_groups: rules join their parent, limited over the "
          "project",
          "[security_groups]") {
  security_groups sgs;
  auto dflt = sgs.of("p")[0].id;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  auto added = sgs.add_rule("p", rule_of(web), 2);
  REQUIRE(added);
  REQUIRE(added->items.size() == 1);
  CHECK(added->items[0].id == web);
  REQUIRE(added->items[0].rules.size() == 1);
  CHECK(added->items[0].rules[0].id == 1);
  REQUIRE(sgs.add_rule("p", rule_of(dflt), 2));
  auto over = sgs.add_rule("p", rule_of(web), 2);
  REQUIRE_FALSE(over);
  CHECK(over.error() == errc::security_group_rule_limit_exceeded);
  CHECK(sgs.add_rule("p", rule_of(99), -1).error()
        == errc::security_group_not_found);
  REQUIRE(sgs.remove_rule("p", 1));
  CHECK(sgs.show("p", web)->items[0].rules.empty());
  auto gone = sgs.remove_rule("p", 1);
  REQUIRE_FALSE(gone);
  CHECK(error_message(gone.error()) == "Rule (1) not found");
}

TEST_CASE("security_groups: stored groups are kept; new ids follow the "
          "highest",
          "[security_groups]") {
  security_groups sgs;
  auto web = group("web");
  web.id = 7;
  web.project_id = "p";
  auto r = rule_of(7);
  r.id = 30;
  web.rules.push_back(r);
  auto dflt = group("default");
  dflt.id = 6;
  dflt.project_id = "p";
  sgs.restore({dflt, web});
  CHECK(sgs.known("p", "web"));
  CHECK(sgs.of("p").size() == 2);
  CHECK(sgs.create("p", group("db"), -1)->items[0].id == 8);
  CHECK(sgs.add_rule("p", rule_of(7), -1)->items[0].rules.back().id == 31);
}

TEST_CASE("security_groups: a group by name or id, and whether a server may "
          "have it added or removed",
          "[security_groups]") {
  security_groups groups;
  auto web = groups.create("p", group("web"), -1);
  REQUIRE(web);
  auto id = web->items.front().id;
  REQUIRE(groups.named("p", "web") != nullptr);
  CHECK(groups.named("p", std::to_string(id))->name == "web");
  CHECK(groups.named("q", "web") == nullptr);
  instance row;
  row.id = "srv";
  row.security_groups = {"default"};
  row.vifs.push_back(vif{});
  auto g = groups.named("p", "web");
  CHECK_FALSE(check_server_group(row, "web", g, true, "p"));
  auto unknown = check_server_group(row, "nope", nullptr, true, "p");
  CHECK(unknown == errc::server_security_group_not_found);
  CHECK(error_message(unknown)
        == "Security group nope is not found for project p");
  // Removing one the server does not have.
  auto absent = check_server_group(row, std::to_string(id), g, false, "p");
  CHECK(error_message(absent)
        == "Security group " + std::to_string(id)
             + " not associated with the instance srv");
  row.security_groups.push_back("web");
  CHECK_FALSE(check_server_group(row, "web", g, false, "p"));
  // No ports: nothing to apply it to.
  row.vifs.clear();
  CHECK(error_message(check_server_group(row, "web", g, true, "p"))
        == "instance_id srv could not be found as device id on any ports");
}
