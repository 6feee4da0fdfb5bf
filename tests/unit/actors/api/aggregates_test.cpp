#include <catch2/catch.hpp>

#include "actors/api/aggregates.hpp"

using namespace vmforge;

namespace {

std::string message(const caf::error& err) {
  return error_message(err);
}

} // namespace

TEST_CASE("aggregates: names are unique, ids grow", "[aggregates]") {
  aggregates aggs;
  auto a = aggs.create("agg1", "az1", 10);
  REQUIRE(a);
  CHECK(a->id == 1);
  CHECK(a->uuid.size() == 36);
  CHECK(a->availability_zone() == "az1");
  CHECK(a->created_us == 10);
  CHECK(a->updated_us == 0);
  auto dup = aggs.create("agg1", {}, 11);
  REQUIRE_FALSE(dup);
  CHECK(message(dup.error()) == "Aggregate agg1 already exists.");
  auto b = aggs.create("agg2", {}, 12);
  CHECK(b->id == 2);
  CHECK(b->metadata.empty());
  CHECK(aggs.all().size() == 2);
  CHECK(message(aggs.get(9).error()) == "Aggregate 9 could not be found.");
  std::string taken = "agg1";
  CHECK(message(aggs.update(2, &taken, nullptr, 13).error())
        == "Aggregate agg1 already exists.");
}

TEST_CASE("aggregates: reloaded ones keep their ids", "[aggregates]") {
  aggregate stored;
  stored.id = 7;
  stored.name = "old";
  aggregates aggs{{stored}};
  CHECK(aggs.get(7)->name == "old");
  CHECK(aggs.create("new", {}, 1)->id == 8);
}

TEST_CASE("aggregates: hosts join and leave, a host is in one zone",
          "[aggregates]") {
  aggregates aggs;
  aggs.create("agg1", "az1", 1);
  aggs.create("agg2", "az2", 1);
  aggs.create("plain", {}, 1);
  auto a = aggs.add_host(1, "compute-1", 5);
  REQUIRE(a);
  CHECK(a->hosts == std::vector<std::string>{"compute-1"});
  CHECK(a->updated_us == 5);
  CHECK(message(aggs.add_host(1, "compute-1", 6).error())
        == "Aggregate 1 already has host compute-1.");
  auto clash = aggs.add_host(2, "compute-1", 6);
  REQUIRE_FALSE(clash);
  CHECK(clash.error() == errc::invalid_aggregate_action_add);
  CHECK(message(clash.error())
        == "Cannot add host to aggregate 2. Reason: One or more hosts already "
           "in availability zone(s) ['az1'].");
  // An aggregate without a zone takes any host.
  CHECK(aggs.add_host(3, "compute-1", 6));
  CHECK(aggs.zone_of("compute-1") == "az1");
  CHECK(aggs.zone_of("compute-2").empty());
  CHECK(aggs.zones() == std::set<std::string>{"az1"});
  CHECK(message(aggs.remove(1))
        == "Cannot remove host from aggregate 1. Reason: Host aggregate is "
           "not empty.");
  CHECK(message(aggs.remove_host(2, "compute-1", 7).error())
        == "Cannot remove host compute-1 in aggregate 2");
  CHECK(aggs.remove_host(1, "compute-1", 7)->hosts.empty());
  CHECK_FALSE(aggs.remove(1));
  CHECK(aggs.add_host(2, "compute-1", 8));
  CHECK(aggs.zone_of("compute-1") == "az2");
}

TEST_CASE("aggregates: a zone change must not split hosts across zones",
          "[aggregates]") {
  aggregates aggs;
  aggs.create("agg1", "az1", 1);
  aggs.create("agg2", {}, 1);
  aggs.add_host(1, "h", 1);
  aggs.add_host(2, "h", 1);
  std::string az2 = "az2";
  auto moved = aggs.update(2, nullptr, &az2, 2);
  REQUIRE_FALSE(moved);
  CHECK(message(moved.error())
        == "Cannot update aggregate 2. Reason: One or more hosts already in "
           "availability zone(s) ['az1'].");
  std::string empty;
  CHECK(message(aggs.update(1, nullptr, &empty, 2).error())
        == "Cannot update aggregate 1. Reason: Aggregate agg1 does not "
           "support empty named availability zone.");
  // The same zone is fine; so is a new one for the only zone aggregate.
  std::string az1 = "az1";
  CHECK(aggs.update(2, nullptr, &az1, 2));
  std::string renamed = "agg-one";
  auto r = aggs.update(1, &renamed, nullptr, 3);
  CHECK(r->name == "agg-one");
  CHECK(r->availability_zone() == "az1");
}

TEST_CASE("aggregates: set_metadata sets and deletes keys", "[aggregates]") {
  aggregates aggs;
  aggs.create("agg1", {}, 1);
  auto a = aggs.set_metadata(1, {{"ssd", "true"}, {"gpu", "no"}}, {}, 2);
  REQUIRE(a);
  CHECK(a->metadata.size() == 2);
  a = aggs.set_metadata(1, {{"ssd", "false"}}, {"gpu", "absent"}, 3);
  CHECK(a->metadata == std::map<std::string, std::string>{{"ssd", "false"}});
  a = aggs.set_metadata(1, {{"availability_zone", "az9"}}, {}, 4);
  CHECK(a->availability_zone() == "az9");
  auto unset = aggs.set_metadata(1, {}, {"availability_zone"}, 5);
  REQUIRE_FALSE(unset);
  CHECK(message(unset.error())
        == "Cannot update metadata of aggregate 1. Reason: Aggregate agg1 "
           "does not support empty named availability zone.");
  CHECK(aggs.set_metadata(5, {}, {}, 5).error() == errc::aggregate_not_found);
}
