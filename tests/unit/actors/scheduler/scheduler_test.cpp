#define CAF_SUITE scheduler
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/scheduler/scheduler.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

struct fixture : test::actor_fixture {
  scheduler_actor scheduler;

  fixture() {
    scheduler_options opts;
    opts.seed = 7;
    auto selector = host_selector::make(opts);
    CAF_REQUIRE(selector);
    scheduler = spawn_scheduler(sys, std::move(*selector),
                                std::make_shared<metrics::registry>());
  }

  void report(std::string host, resources capacity) {
    host_report r;
    r.host = std::move(host);
    r.capacity = capacity;
    r.ratios = {1.0, 1.0, 1.0};
    self->send(scheduler, std::move(r));
    expect((host_report), from(self).to(scheduler));
  }

  select_destinations request(std::string id, resources need) {
    return {{std::move(id), "p", need, {}, {}, {}, {}, {}}, {}, 1};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(scheduler_tests, fixture)

CAF_TEST(a scheduler without hosts answers no valid host) {
  self->send(scheduler, request("i-1", {1, 512, 1}));
  expect((select_destinations), from(self).to(scheduler));
  run();
  self->receive(
    [](host_selection&) { CAF_FAIL("a host was selected"); },
    [](caf::error& err) { CAF_CHECK_EQUAL(err, errc::no_valid_host); });
}

CAF_TEST(a reported host is selected and claimed; the next request goes to
           the other) {
  report("a", {1, 1024, 10});
  report("b", {1, 1024, 10});
  self->send(scheduler, request("i-1", {1, 1024, 10}));
  expect((select_destinations), from(self).to(scheduler));
  run();
  auto placed = [&] {
    std::string host;
    self->receive([&](host_selection& sel) { host = sel.host; },
                  [](caf::error& err) { CAF_FAIL(to_string(err)); });
    return host;
  };
  auto first = placed();
  self->send(scheduler, request("i-2", {1, 1024, 10}));
  run();
  auto second = placed();
  CAF_CHECK_NOT_EQUAL(first, second);
}

CAF_TEST(a host whose compute process went offline takes no build until
           its next report; os-services still shows it up) {
  report("a", {4, 4096, 40});
  self->send(scheduler, compute_offline{"a", "lost its link"});
  expect((compute_offline), from(self).to(scheduler));
  self->send(scheduler, request("i-1", {1, 512, 1}));
  expect((select_destinations), from(self).to(scheduler));
  run();
  self->receive(
    [](host_selection&) { CAF_FAIL("an offline host was selected"); },
    [](caf::error& err) { CAF_CHECK_EQUAL(err, errc::no_valid_host); });
  self->send(scheduler, get_host_views{});
  run();
  self->receive([](host_view_list& views) {
    CAF_REQUIRE_EQUAL(views.items.size(), 1u);
    // Down is Nova's: service_down_time without reports, not a lost link.
    CAF_CHECK(views.items[0].up);
    CAF_CHECK(views.items[0].enabled);
  });
  report("a", {4, 4096, 40});
  self->send(scheduler, request("i-1", {1, 512, 1}));
  run();
  self->receive(
    [](host_selection& sel) { CAF_CHECK_EQUAL(sel.host, "a"); },
    [](caf::error& err) { CAF_FAIL(to_string(err)); });
}

CAF_TEST(forcing down an unknown host is HostBinaryNotFound and a known
           one answers the views it leaves) {
  self->send(scheduler, force_host_down{"nowhere", true});
  expect((force_host_down), from(self).to(scheduler));
  self->receive(
    [](host_view_list&) { CAF_FAIL("an unknown host was forced down"); },
    [](caf::error& err) {
      CAF_CHECK_EQUAL(err, errc::host_binary_not_found);
      CAF_CHECK_EQUAL(error_message(err),
                      "Could not find binary nova-compute on host nowhere.");
    });
  report("a", {4, 4096, 40});
  self->send(scheduler, force_host_down{"a", true});
  expect((force_host_down), from(self).to(scheduler));
  self->receive([](host_view_list& views) {
    CAF_REQUIRE_EQUAL(views.items.size(), 1u);
    CAF_CHECK(views.items[0].forced_down);
    CAF_CHECK(!views.items[0].up);
  });
}

CAF_TEST_FIXTURE_SCOPE_END()
