#include <catch2/catch.hpp>

#include "actors/api/server_groups.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

request_context member(std::string project = "p") {
  request_context ctx;
  ctx.user_id = "u";
  ctx.project_id = std::move(project);
  return ctx;
}

server_group wanted(std::string name, std::string policy,
                    int64_t max_per_host = 0) {
  server_group g;
  g.name = std::move(name);
  g.policy = std::move(policy);
  g.max_server_per_host = max_per_host;
  return g;
}

} // namespace

TEST_CASE("server groups: a create names the project and user, gives a "
          "uuid and no members",
          "[server_groups]") {
  server_groups groups;
  auto proposed = wanted("g", "anti-affinity");
  proposed.members = {"smuggled"};
  auto g = groups.create(member(), proposed, -1);
  REQUIRE(g);
  CHECK(g->id.size() == 36);
  CHECK(g->project_id == "p");
  CHECK(g->user_id == "u");
  CHECK(g->members.empty());
  CHECK(g->created_us > 0);
  CHECK(groups.find(g->id) != nullptr);
  CHECK(groups.count("p") == 1);
  CHECK(groups.count("q") == 0);
}

TEST_CASE("server groups: only anti-affinity takes max_server_per_host",
          "[server_groups]") {
  server_groups groups;
  CHECK(groups.create(member(), wanted("a", "anti-affinity", 2), -1));
  for (auto policy : {"affinity", "soft-affinity", "soft-anti-affinity"}) {
    auto g = groups.create(member(), wanted("x", policy, 2), -1);
    REQUIRE_FALSE(g);
    CHECK(g.error() == errc::invalid_input);
    CHECK(error_message(g.error())
          == "Only anti-affinity policy supports rules.");
  }
}

TEST_CASE("server groups: the server_groups quota counts the project's "
          "groups",
          "[server_groups]") {
  server_groups groups;
  REQUIRE(groups.create(member(), wanted("a", "affinity"), 2));
  REQUIRE(groups.create(member(), wanted("b", "affinity"), 2));
  auto third = groups.create(member(), wanted("c", "affinity"), 2);
  REQUIRE_FALSE(third);
  CHECK(third.error() == errc::server_group_limit_exceeded);
  CHECK(error_message(third.error())
        == "Quota exceeded, too many server groups.");
  // Another project has its own count.
  CHECK(groups.create(member("q"), wanted("a", "affinity"), 2));
}

TEST_CASE("server groups: list by project or all of them, with offset and "
          "limit",
          "[server_groups]") {
  server_groups groups;
  std::vector<std::string> ids;
  for (auto name : {"a", "b", "c"})
    ids.push_back(groups.create(member(), wanted(name, "affinity"), -1)->id);
  REQUIRE(groups.create(member("q"), wanted("other", "affinity"), -1));
  auto mine = groups.list(member(), false, 0, -1);
  REQUIRE(mine.items.size() == 3);
  CHECK(mine.items[0].name == "a");
  CHECK(mine.items[2].name == "c");
  CHECK(groups.list(member(), true, 0, -1).items.size() == 4);
  auto page = groups.list(member(), false, 1, 1);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].id == ids[1]);
  CHECK(groups.list(member(), false, 5, -1).items.empty());
}

TEST_CASE("server groups: another project's group is 403, an unknown one "
          "404; admins see all",
          "[server_groups]") {
  server_groups groups;
  auto g = groups.create(member("q"), wanted("g", "affinity"), -1);
  REQUIRE(g);
  auto shown = groups.show(member(), g->id, "rule");
  REQUIRE_FALSE(shown);
  CHECK(shown.error() == errc::policy_not_authorized);
  auto unknown = groups.show(member(), "nope", "rule");
  REQUIRE_FALSE(unknown);
  CHECK(error_message(unknown.error())
        == "Instance group nope could not be found.");
  auto admin = member();
  admin.is_admin = true;
  CHECK(groups.show(admin, g->id, "rule"));
  CHECK_FALSE(groups.remove(member(), g->id));
  CHECK(groups.remove(admin, g->id));
  CHECK(groups.find(g->id) == nullptr);
}

TEST_CASE("server groups: members join within server_group_members and "
          "leave when deleted",
          "[server_groups]") {
  server_groups groups;
  auto g = groups.create(member(), wanted("g", "anti-affinity"), -1);
  REQUIRE(g);
  CHECK_FALSE(groups.check_members(g->id, 3, 3));
  auto over = groups.check_members(g->id, 4, 3);
  CHECK(over == errc::group_member_limit_exceeded);
  CHECK(error_message(over) == "Quota exceeded, too many servers in group");
  CHECK(groups.check_members("nope", 1, 3) == errc::instance_group_not_found);
  auto now = groups.add_members(g->id, {"i-1", "i-2"});
  CHECK(now.members == std::vector<std::string>{"i-1", "i-2"});
  CHECK(groups.check_members(g->id, 2, 3) == errc::group_member_limit_exceeded);
  CHECK(groups.groups_of("i-2") == std::vector<std::string>{g->id});
  auto changed = groups.remove_member("i-1");
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].members == std::vector<std::string>{"i-2"});
  CHECK(groups.remove_member("i-1").empty());
  CHECK(groups.groups_of("i-1").empty());
}

TEST_CASE("server groups: restore takes the stored groups with their "
          "members",
          "[server_groups]") {
  server_group stored{"g-1", "g", "p", "u", "anti-affinity", 2, {"i-1"}, 5};
  server_groups groups;
  groups.restore({stored});
  auto g = groups.show(member(), "g-1", "rule");
  REQUIRE(g);
  CHECK(g->max_server_per_host == 2);
  CHECK(g->members == std::vector<std::string>{"i-1"});
  CHECK(groups.count("p") == 1);
}
