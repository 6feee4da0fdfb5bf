#include <catch2/catch.hpp>

#include "tests/functional/fixture.hpp"

using namespace vmforge;
using namespace vmforge::test;

TEST_CASE("a build walks Nova's vm_state/task_state sequence to ACTIVE",
          "[pipeline]") {
  harness h{test_options(2)};
  auto id = h.create("web");
  auto last = h.wait_final(id);
  CHECK(last.vm == vm_state::active);
  CHECK(h.sequence(id)
        == std::vector<std::string>{
          "building/scheduling", "building/none", "building/networking",
          "building/block_device_mapping", "building/spawning", "active/none"});
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->name == "web");
  CHECK(row->vm == vm_state::active);
  CHECK(row->task == task_state::none);
  CHECK(row->power == power_state::running);
  CHECK(row->launched_us > 0);
  CHECK_FALSE(row->host.empty());
  CHECK_FALSE(row->has_fault);
  auto drv = h.p->drivers.at(row->host);
  CHECK(drv->list_instances() == std::vector<std::string>{id});
}

TEST_CASE("the API handler validates requests as Nova does", "[pipeline][api]") {
  harness h{test_options(1)};
  auto req = [&] { return h.request(); };
  auto fails = [&](create_servers r, errc code, const std::string& text) {
    auto res = h.try_create(std::move(r));
    REQUIRE_FALSE(res);
    CHECK(res.error() == code);
    CHECK(message_of(res.error()) == text);
  };
  auto r = req();
  r.flavor_ref = "-1";
  fails(r, errc::flavor_not_found, "Flavor -1 could not be found.");
  r = req();
  r.flavor_ref = "http://localhost:8774/v2.1/flavors/2"; // an href works
  CHECK(h.try_create(r));
  r = req();
  r.image_ref = "-1";
  fails(r, errc::image_not_found, "Image -1 could not be found.");
  r = req();
  r.image_ref.clear();
  fails(r, errc::invalid_input, "Missing imageRef attribute");
  r = req();
  r.min_count = 3;
  r.max_count = 2;
  fails(r, errc::invalid_input, "min_count must be <= max_count");
  r = req();
  r.min_count = 0;
  fails(r, errc::invalid_input, "min_count and max_count must be >= 1");
  r = req();
  r.name = "";
  CHECK_FALSE(h.try_create(r));
  r.name = std::string(256, 'a');
  CHECK_FALSE(h.try_create(r));
  r.name = " padded";
  CHECK_FALSE(h.try_create(r));
  r = req();
  r.availability_zone = "elsewhere";
  fails(r, errc::invalid_input,
        "The requested availability zone is not available");
  r = req();
  for (int i = 0; i < 129; ++i)
    r.metadata["k" + std::to_string(i)] = "v";
  fails(r, errc::over_quota,
        "Quota exceeded for metadata_items: Requested 129, but already used "
        "0 of 128 metadata_items");
}

TEST_CASE("quota is checked when the instances are recorded",
          "[pipeline][api]") {
  auto opts = test_options(1);
  opts.quota = quota_limits{3, 20, 51200};
  harness h{opts};
  auto r = h.request("q");
  r.min_count = 2;
  r.max_count = 2;
  auto first = h.try_create(r);
  REQUIRE(first);
  CHECK(first->ids.size() == 2);
  auto over = h.try_create(r);
  REQUIRE_FALSE(over);
  CHECK(over.error() == errc::over_quota);
  CHECK(message_of(over.error())
        == "Quota exceeded for instances: Requested 2, but already used 2 of "
           "3 instances");
  // Nova shrinks a multi-create to what fits, if at least min_count does.
  r.min_count = 1;
  r.max_count = 5;
  auto shrunk = h.try_create(r);
  REQUIRE(shrunk);
  CHECK(shrunk->ids.size() == 1);
  // Another project has its own quota; deleting frees this one's.
  auto other = r;
  other.ctx.project_id = "project-b";
  auto theirs = h.try_create(other);
  REQUIRE(theirs);
  CHECK(theirs->ids.size() == 3);
  h.wait_final(first->ids[0]);
  REQUIRE(h.remove(first->ids[0]));
  REQUIRE(h.wait_deleted(first->ids[0]));
  r.max_count = 1;
  CHECK(h.try_create(r));
}

TEST_CASE("cores and RAM quotas name what is over", "[pipeline][api]") {
  auto opts = test_options(1);
  opts.quota = quota_limits{10, 2, 51200};
  harness h{opts};
  auto r = h.request("q", "3"); // m1.medium: 2 vCPUs, 4096 MB
  REQUIRE(h.try_create(r));
  auto over = h.try_create(r);
  REQUIRE_FALSE(over);
  CHECK(message_of(over.error())
        == "Quota exceeded for cores: Requested 2, but already used 2 of 2 "
           "cores");
}

TEST_CASE("multi-create names follow multi_instance_display_name_template",
          "[pipeline][api]") {
  harness h{test_options(2)};
  auto r = h.request("batch");
  r.min_count = 3;
  r.max_count = 3;
  auto res = h.try_create(r);
  REQUIRE(res);
  REQUIRE(res->ids.size() == 3);
  CHECK(res->reservation_id.rfind("r-", 0) == 0);
  CHECK(res->reservation_id.size() == 10);
  for (size_t i = 0; i < 3; ++i) {
    h.wait_final(res->ids[i]);
    auto row = h.show(res->ids[i]);
    REQUIRE(row);
    CHECK(row->name == "batch-" + std::to_string(i + 1));
    CHECK(row->reservation_id == res->reservation_id);
  }
  CHECK(multi_instance_name("%(name)s-%(uuid)s", "n", 2, "u") == "n-u");
}

TEST_CASE("another project's server is not found, not forbidden",
          "[pipeline][api]") {
  harness h{test_options(1)};
  auto id = h.create("mine");
  h.wait_final(id);
  h.ctx.project_id = "project-b";
  auto other = h.show(id);
  REQUIRE_FALSE(other);
  CHECK(other.error() == errc::instance_not_found);
  CHECK(message_of(other.error()) == "Instance " + id + " could not be found.");
  CHECK(h.remove(id).error() == errc::instance_not_found);
  list_servers all{h.ctx, true};
  caf::error err;
  (*h.self)->request(h.p->api, 5s, all)
    .receive([](instance_list&) {}, [&](caf::error& e) { err = e; });
  CHECK(err == errc::policy_not_authorized);
  h.ctx.is_admin = true;
  CHECK(h.show(id));
  (*h.self)->request(h.p->api, 5s, list_servers{h.ctx, true})
    .receive([](instance_list& l) { CHECK(l.items.size() == 1); },
             [](caf::error&) { FAIL("admin list failed"); });
  (*h.self)->request(h.p->api, 5s, list_servers{h.ctx, false})
    .receive([](instance_list& l) { CHECK(l.items.empty()); },
             [](caf::error&) { FAIL("list failed"); });
}

TEST_CASE("an unknown server is 404 for show and delete", "[pipeline][api]") {
  harness h{test_options(1)};
  auto missing = std::string{"00000000-0000-4000-8000-000000000000"};
  CHECK(h.show(missing).error() == errc::instance_not_found);
  CHECK(h.remove(missing).error() == errc::instance_not_found);
}
