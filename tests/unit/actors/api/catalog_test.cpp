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
                 {"nova", "az2"},
                 {{"2", {"p-access"}}}};
}

const request_context admin{"admin", "p-admin", true, "req-1", {}};
const request_context member{"u", "p-other", false, "req-2", {}};
const request_context granted{"u2", "p-access", false, "req-3", {}};

std::vector<std::string> ids(const flavor_list& l) {
  std::vector<std::string> out;
  for (auto& f : l.items)
    out.push_back(f.id);
  return out;
}

using ids_t = std::vector<std::string>;

} // namespace

TEST_CASE("catalog: a flavorRef is an id or an href", "[catalog]") {
  auto cat = sample();
  CHECK(cat.flavor_of("1", member)->name == "m1.tiny");
  CHECK(cat.flavor_of("http://h/v2.1/flavors/2", admin)->name == "secret");
  auto missing = cat.flavor_of("http://h/v2.1/flavors/42", admin);
  REQUIRE_FALSE(missing);
  CHECK(error_message(missing.error()) == "Flavor 42 could not be found.");
}

TEST_CASE("catalog: a private flavor is only its projects' and admins'",
          "[catalog]") {
  auto cat = sample();
  CHECK(cat.flavor_of("2", member).error() == errc::flavor_not_found);
  CHECK(cat.flavor_of("2", granted));
  CHECK(cat.flavor_of("2", admin));
}

TEST_CASE("catalog: a server names a known zone", "[catalog]") {
  auto cat = sample();
  CHECK_FALSE(cat.check_zone(""));
  CHECK_FALSE(cat.check_zone("az2"));
  auto zone = cat.check_zone("az3");
  CHECK(error_message(zone)
        == "The requested availability zone is not available");
  cat.set_zones({"az3"});
  CHECK_FALSE(cat.check_zone("az3"));
  CHECK(cat.check_zone("az2"));
}

TEST_CASE("catalog: is_public as Nova's flavor list takes it", "[catalog]") {
  auto cat = sample();
  using v = flavor_visibility;
  // An admin's default is the public flavors only (Nova's behaviour).
  CHECK(ids(cat.flavors(admin, v::public_only)) == ids_t{"1"});
  CHECK(ids(cat.flavors(admin, v::private_only)) == ids_t{"2"});
  CHECK(ids(cat.flavors(admin, v::all)) == ids_t{"1", "2"});
  // Others: public ones and those their project may use, whatever asked.
  CHECK(ids(cat.flavors(member, v::all)) == ids_t{"1"});
  CHECK(ids(cat.flavors(granted, v::public_only)) == ids_t{"1", "2"});
}

TEST_CASE("catalog: flavor ids and names are unique", "[catalog]") {
  auto cat = sample();
  auto made = cat.create_flavor(make_flavor("", "m1.custom"));
  REQUIRE(made);
  CHECK(made->id.size() == 36); // a UUID
  CHECK(cat.flavor_of(made->id, member)->name == "m1.custom");
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
  CHECK(cat.flavor_of("1", admin).error() == errc::flavor_not_found);
  CHECK(cat.delete_flavor("1") == errc::flavor_not_found);
}

TEST_CASE("catalog: extra specs merge, update and go", "[catalog]") {
  auto cat = sample();
  auto f = cat.add_extra_specs("1", {{"hw:cpu_policy", "dedicated"},
                                     {"ssd", "true"}});
  REQUIRE(f);
  CHECK(f->extra_specs.size() == 2);
  f = cat.add_extra_specs("1", {{"ssd", "false"}});
  CHECK(f->extra_specs.at("ssd") == "false");
  CHECK(f->extra_specs.size() == 2);
  CHECK(cat.delete_extra_spec("1", "ssd")->extra_specs.size() == 1);
  auto gone = cat.delete_extra_spec("1", "ssd");
  REQUIRE_FALSE(gone);
  CHECK(error_message(gone.error())
        == "Flavor 1 has no extra specs with key ssd.");
  CHECK(cat.add_extra_specs("42", {}).error() == errc::flavor_not_found);
  CHECK(cat.flavor_of("1", member)->extra_specs.size() == 1);
}

TEST_CASE("catalog: a description is set once asked", "[catalog]") {
  auto cat = sample();
  CHECK_FALSE(cat.flavor_of("1", admin)->has_description);
  auto f = cat.set_description("1", "small");
  REQUIRE(f);
  CHECK(f->has_description);
  CHECK(cat.flavor_of("1", admin)->description == "small");
}

TEST_CASE("catalog: flavor access of private flavors", "[catalog]") {
  auto cat = sample();
  CHECK(*cat.access("2") == ids_t{"p-access"});
  CHECK(error_message(cat.access("1").error())
        == "Access list not available for public flavors.");
  CHECK(error_message(cat.add_access("1", "p").error())
        == "Can not add access to a public flavor.");
  CHECK(*cat.add_access("2", "p-other") == ids_t{"p-access", "p-other"});
  CHECK(cat.flavor_of("2", member));
  CHECK(error_message(cat.add_access("2", "p-other").error())
        == "Flavor access already exists for flavor 2 and project p-other "
           "combination.");
  CHECK(*cat.remove_access("2", "p-other") == ids_t{"p-access"});
  CHECK(error_message(cat.remove_access("2", "p-other").error())
        == "Flavor access not found for 2 / p-other combination.");
  CHECK(cat.projects("2") == ids_t{"p-access"});
  CHECK(cat.delete_flavor("2") == caf::none);
  CHECK(cat.projects("2").empty());
}
