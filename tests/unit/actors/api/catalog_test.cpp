#include <catch2/catch.hpp>

#include "actors/api/catalog.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

flavor make_flavor(std::string id, std::string name, bool is_public = true) {
  flavor f;
  f.id = std::move(id);
  f.name = std::move(name);
  f.is_public = is_public;
  return f;
}

catalog sample() {
  return catalog{{make_flavor("1", "m1.tiny"), make_flavor("2", "secret",
                                                           false)},
                 {"nova", "az2"}};
}

} // namespace

TEST_CASE("catalog: a flavorRef is an id or an href", "[catalog]") {
  auto cat = sample();
  CHECK(cat.flavor_of("1")->name == "m1.tiny");
  CHECK(cat.flavor_of("http://h/v2.1/flavors/2")->name == "secret");
  auto missing = cat.flavor_of("http://h/v2.1/flavors/42");
  REQUIRE_FALSE(missing);
  CHECK(error_message(missing.error()) == "Flavor 42 could not be found.");
}

TEST_CASE("catalog: a server names a known zone", "[catalog]") {
  auto cat = sample();
  CHECK_FALSE(cat.check_zone(""));
  CHECK_FALSE(cat.check_zone("az2"));
  auto zone = cat.check_zone("az3");
  CHECK(error_message(zone)
        == "The requested availability zone is not available");
}

TEST_CASE("catalog: non-admins see public flavors", "[catalog]") {
  auto cat = sample();
  CHECK(cat.flavors(false).items.size() == 1);
  CHECK(cat.flavors(true).items.size() == 2);
}

TEST_CASE("catalog: flavor ids and names are unique", "[catalog]") {
  auto cat = sample();
  auto made = cat.create_flavor(make_flavor("", "m1.custom"));
  REQUIRE(made);
  CHECK(made->id.size() == 36); // a UUID
  CHECK(cat.flavor_of(made->id)->name == "m1.custom");
  auto id = cat.create_flavor(make_flavor("1", "other"));
  REQUIRE_FALSE(id);
  CHECK(error_message(id.error()) == "Flavor with ID 1 already exists.");
  auto name = cat.create_flavor(make_flavor("9", "m1.tiny"));
  REQUIRE_FALSE(name);
  CHECK(error_message(name.error())
        == "Flavor with name m1.tiny already exists.");
}

TEST_CASE("catalog: a deleted flavor is gone for new servers", "[catalog]") {
  auto cat = sample();
  CHECK_FALSE(cat.delete_flavor("1"));
  CHECK(cat.flavor_of("1").error() == errc::flavor_not_found);
  CHECK(cat.delete_flavor("1") == errc::flavor_not_found);
}
