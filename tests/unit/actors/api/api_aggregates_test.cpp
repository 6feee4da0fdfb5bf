#define CAF_SUITE api_aggregates
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/api/api_handler.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

// The API handler's aggregates, zones and flavor extras: it checks a host
// with the scheduler, tells the scheduler every aggregate after each change
// (and at start), and answers once the store has the change.
namespace {

struct store_state {
  static inline const char* name = "store_stub";
  std::vector<save_aggregate> aggregates;
  std::vector<drop_aggregate> drops;
  std::vector<save_flavor> flavors;
};

caf::behavior store_stub(caf::stateful_actor<store_state>* self) {
  return {
    [self](save_aggregate& s) {
      self->state.aggregates.push_back(s);
      return store_synced{};
    },
    [self](drop_aggregate& d) {
      self->state.drops.push_back(d);
      return store_synced{};
    },
    [self](save_flavor& s) {
      self->state.flavors.push_back(s);
      return store_synced{};
    },
  };
}

struct scheduler_state {
  static inline const char* name = "scheduler_stub";
  std::vector<set_host_aggregates> updates;
};

caf::behavior scheduler_stub(caf::stateful_actor<scheduler_state>* self) {
  return {
    [self](set_host_aggregates& s) { self->state.updates.push_back(s); },
    [](get_host_views&) {
      host_view a;
      a.host = "compute-1";
      a.availability_zone = "az1";
      host_view b;
      b.host = "compute-2";
      b.availability_zone = "nova";
      b.enabled = false;
      return host_view_list{{a, b}};
    },
  };
}

caf::behavior idle(caf::event_based_actor*) {
  return {[](build_request&) {}};
}

struct fixture : test::actor_fixture {
  caf::actor store
    = sys.spawn<test::stub<caf::stateful_actor<store_state>, store_stub>>();
  caf::actor scheduler = sys.spawn<
    test::stub<caf::stateful_actor<scheduler_state>, scheduler_stub>>();
  caf::actor nobody = sys.spawn<test::stub<caf::event_based_actor, idle>>();
  api_actor api;
  request_context member{"u", "p", false, "req-1", {}};
  request_context admin{"a", "p", true, "req-2", {}};

  fixture() {
    auto opts = default_options(2);
    catalog_state stored{opts.flavors, {}, {}, {}, {}, {}, {}};
    aggregate old;
    old.id = 4;
    old.name = "kept";
    old.hosts = {"compute-2"};
    old.metadata = {{"availability_zone", "az9"}};
    stored.aggregates = {old};
    api = spawn_api_handler(
      sys, api_config{opts, caf::actor_cast<store_actor>(store),
                      caf::actor_cast<conductor_actor>(nobody),
                      caf::actor_cast<scheduler_actor>(scheduler),
                      caf::actor_cast<image_actor>(nobody), stored});
  }

  scheduler_state& scheduled() {
    return deref<caf::stateful_actor<scheduler_state>>(scheduler).state;
  }

  store_state& stored() {
    return deref<caf::stateful_actor<store_state>>(store).state;
  }

  aggregate_request op(aggregate_op o, int64_t id = 0) {
    aggregate_request req;
    req.ctx = admin;
    req.op = o;
    req.id = id;
    return req;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(api_aggregates_tests, fixture)

CAF_TEST(the scheduler learns the stored aggregates at start) {
  run();
  CAF_REQUIRE_EQUAL(scheduled().updates.size(), 1u);
  auto& u = scheduled().updates.at(0);
  CAF_REQUIRE_EQUAL(u.aggregates.size(), 1u);
  CAF_CHECK_EQUAL(u.aggregates[0].name, "kept");
}

CAF_TEST(a create reaches the scheduler and answers once durable) {
  run();
  auto req = op(aggregate_op::create);
  req.name = "agg1";
  req.zone = "az1";
  self->send(api, req);
  expect((aggregate_request), from(self).to(api));
  expect((set_host_aggregates), from(api).to(scheduler));
  CAF_CHECK(!answered());
  expect((save_aggregate), from(api).to(store));
  expect((store_synced), from(store).to(api));
  auto made = answer<aggregate_list>();
  CAF_REQUIRE_EQUAL(made.items.size(), 1u);
  CAF_CHECK_EQUAL(made.items[0].id, 5); // after the stored one
  CAF_CHECK_EQUAL(made.items[0].availability_zone(), "az1");
  CAF_CHECK_EQUAL(scheduled().updates.back().aggregates.size(), 2u);
  CAF_CHECK_EQUAL(stored().aggregates.at(0).agg.name, "agg1");
}

CAF_TEST(add_host asks the scheduler for the host first) {
  run();
  auto req = op(aggregate_op::add_host, 4);
  req.host = "compute-9";
  self->send(api, req);
  expect((aggregate_request), from(self).to(api));
  expect((get_host_views), from(api).to(scheduler));
  expect((host_view_list), from(scheduler).to(api));
  auto err = refusal<aggregate_list>();
  CAF_CHECK_EQUAL(error_message(err), "Compute host compute-9 could not be "
                                      "found.");
  req.host = "compute-1";
  self->send(api, req);
  expect((aggregate_request), from(self).to(api));
  expect((get_host_views), from(api).to(scheduler));
  expect((host_view_list), from(scheduler).to(api));
  expect((set_host_aggregates), from(api).to(scheduler));
  expect((save_aggregate), from(api).to(store));
  expect((store_synced), from(store).to(api));
  auto a = answer<aggregate_list>();
  CAF_CHECK_EQUAL(a.items.at(0).hosts.size(), 2u);
  CAF_CHECK_EQUAL(scheduled().updates.back().aggregates.at(0).hosts.size(),
                  2u);
}

CAF_TEST(a delete of an empty aggregate drops its row) {
  run();
  self->send(api, op(aggregate_op::remove, 4));
  expect((aggregate_request), from(self).to(api));
  CAF_CHECK(error_message(refusal<aggregate_list>()).find("not empty")
            != std::string::npos);
  auto req = op(aggregate_op::remove_host, 4);
  req.host = "compute-2";
  self->send(api, req);
  run();
  answer<aggregate_list>();
  self->send(api, op(aggregate_op::remove, 4));
  expect((aggregate_request), from(self).to(api));
  expect((set_host_aggregates), from(api).to(scheduler));
  expect((drop_aggregate), from(api).to(store));
  expect((store_synced), from(store).to(api));
  answer<aggregate_list>();
  CAF_CHECK(scheduled().updates.back().aggregates.empty());
  CAF_CHECK_EQUAL(stored().drops.at(0).id, 4);
}

CAF_TEST(aggregates and zone details are the admins) {
  run();
  auto req = op(aggregate_op::list);
  req.ctx = member;
  self->send(api, req);
  run();
  CAF_CHECK_EQUAL(refusal<aggregate_list>(), errc::policy_not_authorized);
  self->send(api, list_zones{member, true});
  run();
  CAF_CHECK_EQUAL(refusal<zone_list>(), errc::policy_not_authorized);
}

CAF_TEST(the zones are the scheduler hosts zones) {
  run();
  self->send(api, list_zones{member, false});
  expect((list_zones), from(self).to(api));
  expect((get_host_views), from(api).to(scheduler));
  expect((host_view_list), from(scheduler).to(api));
  auto zones = answer<zone_list>();
  CAF_REQUIRE_EQUAL(zones.items.size(), 2u);
  CAF_CHECK_EQUAL(zones.items[0].name, "az1");
  CAF_CHECK(zones.items[0].available);
  CAF_CHECK_EQUAL(zones.items[1].name, "nova");
  CAF_CHECK(!zones.items[1].available);
}

CAF_TEST(a server may ask for a zone an aggregate made) {
  run();
  auto req = op(aggregate_op::create);
  req.name = "agg1";
  req.zone = "az1";
  self->send(api, req);
  run();
  answer<aggregate_list>();
  create_servers create;
  create.ctx = member;
  create.name = "vm";
  create.flavor_ref = "1";
  create.image_ref = "img";
  create.min_count = 1;
  create.max_count = 1;
  create.availability_zone = "az1";
  // No host in az1 yet: the zone is not available.
  self->send(api, create);
  run();
  CAF_CHECK_EQUAL(error_message(refusal<servers_created>()),
                  "The requested availability zone is not available");
  auto add = op(aggregate_op::add_host, 5);
  add.host = "compute-1";
  self->send(api, add);
  run();
  answer<aggregate_list>();
  // The image actor (which never answers) is the next step: the zone
  // passed validation.
  self->send(api, create);
  expect((create_servers), from(self).to(api));
  CAF_CHECK(!answered());
}

CAF_TEST(flavor extra specs and access are saved with the flavor) {
  run();
  flavor_request req{admin, flavor_op::add_extra_specs, "1",
                     {{"aggregate_instance_extra_specs:ssd", "true"}}, {}, {}};
  self->send(api, req);
  expect((flavor_request), from(self).to(api));
  expect((save_flavor), from(api).to(store));
  expect((store_synced), from(store).to(api));
  auto a = answer<flavor_access>();
  CAF_CHECK_EQUAL(a.flavor_.extra_specs.size(), 1u);
  CAF_CHECK_EQUAL(stored().flavors.at(0).flavor_.extra_specs.size(), 1u);
  req.ctx = member;
  self->send(api, req);
  run();
  CAF_CHECK_EQUAL(refusal<flavor_access>(), errc::policy_not_authorized);
  flavor_request access{admin, flavor_op::add_access, "1", {}, "p2", {}};
  self->send(api, access);
  run();
  CAF_CHECK_EQUAL(error_message(refusal<flavor_access>()),
                  "Can not add access to a public flavor.");
}

CAF_TEST_FIXTURE_SCOPE_END()
