#include <catch2/catch.hpp>

#include "actors/api/keypairs.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

keypair named(std::string name) {
  keypair kp;
  kp.name = std::move(name);
  kp.public_key = "ssh-ed25519 AAAA";
  return kp;
}

} // namespace

TEST_CASE("keypairs: a create names the user, numbers the keypair and "
          "dates it",
          "[keypairs]") {
  keypairs keys;
  auto a = keys.create("u", named("a"), -1);
  auto b = keys.create("u", named("b"), -1);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->user_id == "u");
  CHECK(a->id == 1);
  CHECK(b->id == 2);
  CHECK(a->created_us > 0);
  CHECK(keys.has("u", "a"));
  CHECK_FALSE(keys.has("v", "a"));
}

TEST_CASE("keypairs: names are unique per user", "[keypairs]") {
  keypairs keys;
  REQUIRE(keys.create("u", named("k"), -1));
  auto again = keys.create("u", named("k"), -1);
  REQUIRE_FALSE(again);
  CHECK(again.error() == errc::keypair_exists);
  CHECK(error_message(again.error()) == "Key pair 'k' already exists.");
  CHECK(keys.create("v", named("k"), -1));
  CHECK(keys.count() == 2);
}

TEST_CASE("keypairs: a user has at most the limit", "[keypairs]") {
  keypairs keys;
  REQUIRE(keys.create("u", named("a"), 2));
  REQUIRE(keys.create("u", named("b"), 2));
  auto over = keys.create("u", named("c"), 2);
  REQUIRE_FALSE(over);
  CHECK(over.error() == errc::keypair_limit_exceeded);
  CHECK(keys.create("v", named("c"), 2)); // the limit is per user
  CHECK(keys.create("u", named("c"), -1)); // below 0: unlimited
}

TEST_CASE("keypairs: a user sees only their own", "[keypairs]") {
  keypairs keys;
  REQUIRE(keys.create("u", named("a"), -1));
  REQUIRE(keys.create("u", named("b"), -1));
  REQUIRE(keys.create("v", named("c"), -1));
  auto all = keys.get("u", "");
  REQUIRE(all);
  REQUIRE(all->items.size() == 2);
  CHECK(all->items[0].name == "a");
  CHECK(all->items[1].name == "b");
  auto one = keys.get("u", "b");
  REQUIRE(one);
  REQUIRE(one->items.size() == 1);
  CHECK(one->items[0].name == "b");
  auto theirs = keys.get("u", "c");
  REQUIRE_FALSE(theirs);
  CHECK(error_message(theirs.error()) == "Keypair c not found for user u");
  CHECK(keys.get("w", "")->items.empty());
}

TEST_CASE("keypairs: a delete of what the user has", "[keypairs]") {
  keypairs keys;
  REQUIRE(keys.create("u", named("a"), -1));
  CHECK(keys.remove("v", "a") == errc::keypair_not_found);
  CHECK_FALSE(keys.remove("u", "a"));
  CHECK_FALSE(keys.has("u", "a"));
  CHECK(keys.remove("u", "a") == errc::keypair_not_found);
  CHECK(keys.count() == 0);
}

TEST_CASE("keypairs: stored ones are kept; new ids follow the highest",
          "[keypairs]") {
  keypairs keys;
  auto stored = named("old");
  stored.id = 41;
  stored.user_id = "u";
  keys.restore({stored});
  CHECK(keys.has("u", "old"));
  auto kp = keys.create("u", named("new"), -1);
  REQUIRE(kp);
  CHECK(kp->id == 42);
}
