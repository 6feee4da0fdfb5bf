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
  auto https = rule_of(web);
  https.from_port = https.to_port = 443;
  auto over = sgs.add_rule("p", https, 2);
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
  auto http = rule_of(7);
  http.from_port = http.to_port = 80;
  CHECK(sgs.add_rule("p", http, -1)->items[0].rules.back().id == 31);
}

TEST_CASE("security_groups: a stored rule that names a group shows the "
          "group's name and project",
          "[security_groups]") {
  security_groups sgs;
  auto web = group("web");
  web.id = 7;
  web.project_id = "p";
  auto r = rule_of(7);
  r.id = 30;
  r.cidr.clear();
  r.group_id = 7;
  web.rules.push_back(r);
  sgs.restore({web});
  auto shown = sgs.show("p", 7)->items[0].rules.at(0);
  CHECK(shown.group_name == "web");
  CHECK(shown.group_project_id == "p");
}

TEST_CASE("security_groups: a rule may name a group of the project instead "
          "of a cidr",
          "[security_groups]") {
  security_groups sgs;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  auto db = sgs.create("p", group("db"), -1)->items[0].id;
  auto r = rule_of(db);
  r.group_id = web;
  auto added = sgs.add_rule("p", r, -1);
  REQUIRE(added);
  auto& made = added->items[0].rules.back();
  CHECK(made.cidr.empty());
  CHECK(made.group_id == web);
  CHECK(made.group_name == "web");
  CHECK(made.group_project_id == "p");
  r.group_id = 99;
  CHECK(sgs.add_rule("p", r, -1).error() == errc::security_group_not_found);
  // A rename shows in the rules that name the group.
  REQUIRE(sgs.update("p", web, "frontend", "f"));
  CHECK(sgs.show("p", db)->items[0].rules[0].group_name == "frontend");
}

TEST_CASE("security_groups: a rule equal to one of its group's is refused",
          "[security_groups]") {
  security_groups sgs;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  REQUIRE(sgs.add_rule("p", rule_of(web), -1));
  auto twice = sgs.add_rule("p", rule_of(web), -1);
  REQUIRE_FALSE(twice);
  CHECK(twice.error() == errc::invalid_input);
  CHECK(error_message(twice.error())
        == "This rule already exists in group " + std::to_string(web));
  auto other = rule_of(web);
  other.cidr = "10.0.0.0/8";
  CHECK(sgs.add_rule("p", other, -1));
}

TEST_CASE("security_groups: a tcp or udp range must run forwards within "
          "1-65535",
          "[security_groups]") {
  security_groups sgs;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  auto reversed = rule_of(web);
  reversed.from_port = 22;
  reversed.to_port = 21;
  auto err = sgs.add_rule("p", reversed, -1);
  REQUIRE_FALSE(err);
  CHECK(error_message(err.error())
        == "Invalid port range 22:21. Former value cannot be greater than "
           "the later");
  auto zero = rule_of(web);
  zero.ip_protocol = "udp";
  zero.from_port = 0;
  err = sgs.add_rule("p", zero, -1);
  REQUIRE_FALSE(err);
  CHECK(error_message(err.error())
        == "Invalid port range 0:22. Valid UDP ports should be between "
           "1-65535");
  auto icmp = rule_of(web);
  icmp.ip_protocol = "icmp";
  icmp.from_port = icmp.to_port = -1;
  CHECK(sgs.add_rule("p", icmp, -1));
}

TEST_CASE("security_groups: deleting a group deletes the rules that name it",
          "[security_groups]") {
  security_groups sgs;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  auto db = sgs.create("p", group("db"), -1)->items[0].id;
  auto peer = rule_of(db);
  peer.group_id = web;
  REQUIRE(sgs.add_rule("p", peer, -1));
  auto http = rule_of(db);
  http.from_port = http.to_port = 80;
  REQUIRE(sgs.add_rule("p", http, -1));
  REQUIRE(sgs.remove("p", web));
  auto rules = sgs.show("p", db)->items[0].rules;
  REQUIRE(rules.size() == 1);
  CHECK(rules[0].from_port == 80);
}

TEST_CASE("security_groups: update renames unless the name is taken",
          "[security_groups]") {
  security_groups sgs;
  auto web = sgs.create("p", group("web"), -1)->items[0].id;
  auto renamed = sgs.update("p", web, "www", "new");
  REQUIRE(renamed);
  CHECK(renamed->items[0].name == "www");
  CHECK(renamed->items[0].description == "new");
  CHECK(sgs.known("p", "www"));
  CHECK(sgs.update("p", web, "default", "x").error()
        == errc::security_group_exists);
  CHECK(sgs.update("p", 99, "x", "x").error()
        == errc::security_group_not_found);
}

TEST_CASE("security_groups: all lists every project's groups by project "
          "and name",
          "[security_groups]") {
  security_groups sgs;
  REQUIRE(sgs.create("q", group("web"), -1));
  REQUIRE(sgs.create("p", group("zeta"), -1));
  REQUIRE(sgs.create("p", group("alpha"), -1));
  auto all = sgs.all().items;
  REQUIRE(all.size() == 5);
  std::vector<std::string> order;
  for (auto& g : all)
    order.push_back(g.project_id + "/" + g.name);
  CHECK(order == std::vector<std::string>{"p/alpha", "p/default", "p/zeta",
                                          "q/default", "q/web"});
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
