#include <catch2/catch.hpp>

#include "actors/api/server_tags.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

instance tagged(std::vector<std::string> tags,
                vm_state vm = vm_state::active) {
  instance r;
  r.id = "s1";
  r.vm = vm;
  r.tags = std::move(tags);
  return r;
}

} // namespace

TEST_CASE("server_tags: add keeps the set sorted, a tag it has is no change",
          "[server_tags]") {
  auto added = apply_tags(tagged({"a", "c"}), tag_op::add, {"b"});
  REQUIRE(added);
  CHECK(added->tags == std::vector<std::string>{"a", "b", "c"});
  CHECK(added->created);
  CHECK(added->changed);
  auto again = apply_tags(tagged({"a"}), tag_op::add, {"a"});
  REQUIRE(again);
  CHECK_FALSE(again->created);
  CHECK_FALSE(again->changed);
}

TEST_CASE("server_tags: 50 tags are the limit, counted before the lookup",
          "[server_tags]") {
  std::vector<std::string> full;
  for (int i = 0; i < 50; ++i)
    full.push_back("t" + std::to_string(100 + i));
  auto err = apply_tags(tagged(full), tag_op::add, {"t100"});
  REQUIRE_FALSE(err);
  CHECK(err.error() == errc::invalid_input);
  CHECK(error_message(err.error())
        == "The number of tags exceeded the per-server limit 50");
}

TEST_CASE("server_tags: replace, delete one, delete all", "[server_tags]") {
  auto rep = apply_tags(tagged({"x"}), tag_op::replace, {"b", "a", "b"});
  REQUIRE(rep);
  CHECK(rep->tags == std::vector<std::string>{"a", "b"});
  auto del = apply_tags(tagged({"a", "b"}), tag_op::remove, {"a"});
  REQUIRE(del);
  CHECK(del->tags == std::vector<std::string>{"b"});
  auto missing = apply_tags(tagged({"a"}), tag_op::remove, {"z"});
  REQUIRE_FALSE(missing);
  CHECK(error_message(missing.error()) == "Instance s1 has no tag 'z'");
  auto all = apply_tags(tagged({"a", "b"}), tag_op::remove_all, {});
  REQUIRE(all);
  CHECK(all->tags.empty());
}

TEST_CASE("server_tags: changes need ACTIVE, PAUSED, SUSPENDED or SHUTOFF; "
          "listing does not",
          "[server_tags]") {
  auto building = tagged({"a"}, vm_state::building);
  auto err = apply_tags(building, tag_op::add, {"b"});
  REQUIRE_FALSE(err);
  CHECK(err.error() == errc::instance_invalid_state);
  CHECK(error_message(err.error())
        == "Cannot 'update tag' instance s1 while it is in vm_state building");
  CHECK(apply_tags(building, tag_op::list, {}));
  CHECK(apply_tags(tagged({}, vm_state::stopped), tag_op::add, {"b"}));
}
