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
    return {{std::move(id), "p", need, {}}, {}, 1};
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

CAF_TEST_FIXTURE_SCOPE_END()
