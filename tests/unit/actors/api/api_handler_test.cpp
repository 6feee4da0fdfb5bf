#define CAF_SUITE api_handler
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/api/api_handler.hpp"
#include "messages/errors.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// Stands in for the store: answers creates with the rows it was given and
// lookups with the rows it holds, and keeps what it was told.
struct store_state {
  static inline const char* name = "store_stub";
  std::map<std::string, instance> rows;
  int64_t creates = 0;
  std::vector<instance_update> updates;
  std::vector<record_action> records;
  std::vector<save_host_status> statuses;
  std::vector<save_host_forced_down> forced;
};

caf::behavior store_stub(caf::stateful_actor<store_state>* self) {
  return {
    [self](create_instances& req) {
      ++self->state.creates;
      instance_list out;
      for (auto& row : req.rows) {
        row.db_id = static_cast<int64_t>(self->state.rows.size()) + 1;
        self->state.rows[row.id] = row;
        out.items.push_back(row);
      }
      return out;
    },
    [self](get_instance& q) -> caf::result<instance> {
      auto i = self->state.rows.find(q.id);
      if (i == self->state.rows.end())
        return nova_error(errc::instance_not_found, q.id);
      return i->second;
    },
    [self](instance_update& u) { self->state.updates.push_back(u); },
    [self](record_action& rec) { self->state.records.push_back(rec); },
    [](sync_store&) { return store_synced{}; },
    [](save_keypair&) { return store_synced{}; },
    [self](save_host_status& s) {
      self->state.statuses.push_back(s);
      return store_synced{};
    },
    [self](save_host_forced_down& s) {
      self->state.forced.push_back(s);
      return store_synced{};
    },
  };
}

// A store that takes every lookup and never answers it (CAF 0.17 sends
// nothing for a promise dropped undelivered).
caf::behavior silent_store(caf::event_based_actor* self) {
  return {
    [self](get_instance&) { return self->make_response_promise(); },
  };
}

struct conductor_state {
  static inline const char* name = "conductor_stub";
  std::vector<build_request> builds;
  std::vector<delete_request> deletes;
};

caf::behavior conductor_stub(caf::stateful_actor<conductor_state>* self) {
  return {
    [self](build_request& b) { self->state.builds.push_back(b); },
    [self](delete_request& d) { self->state.deletes.push_back(d); },
  };
}

caf::behavior scheduler_stub(caf::event_based_actor*) {
  return {
    [](set_host_status& s) {
      host_view v;
      v.host = s.host;
      v.enabled = !s.disabled;
      v.disabled_reason = s.reason;
      return host_view_list{{v}};
    },
    [](force_host_down& f) {
      host_view v;
      v.host = f.host;
      v.forced_down = f.forced_down;
      v.up = !f.forced_down;
      return host_view_list{{v}};
    },
  };
}

struct fixture : test::actor_fixture {
  caf::actor store;
  caf::actor conductor = sys.spawn<
    test::stub<caf::stateful_actor<conductor_state>, conductor_stub>>();
  caf::actor scheduler =
    sys.spawn<test::stub<caf::event_based_actor, scheduler_stub>>();
  api_actor api;
  request_context member{"u", "p", false, "req-1", {}};
  request_context admin{"a", "p", true, "req-2", {}};

  explicit fixture(bool silent_store_ = false) {
    store = silent_store_
              ? caf::actor{sys.spawn<
                  test::stub<caf::event_based_actor, silent_store>>()}
              : caf::actor{sys.spawn<
                  test::stub<caf::stateful_actor<store_state>, store_stub>>()};
    auto opts = default_options(1);
    api = spawn_api_handler(
      sys, api_config{opts, caf::actor_cast<store_actor>(store),
                      caf::actor_cast<conductor_actor>(conductor),
                      caf::actor_cast<scheduler_actor>(scheduler),
                      catalog_state{opts.flavors, {}, {}, {}}});
    run();
  }

  store_state& stored() {
    return deref<caf::stateful_actor<store_state>>(store).state;
  }

  conductor_state& conducted() {
    return deref<caf::stateful_actor<conductor_state>>(conductor).state;
  }

  create_servers create_request(int64_t count) {
    create_servers req;
    req.ctx = member;
    req.name = "vm";
    req.flavor_ref = "1";
    req.image_ref = default_options(1).images.front().id;
    req.min_count = count;
    req.max_count = count;
    return req;
  }

  // A server of project p on compute-1, as the store has it.
  std::string server(bool locked) {
    instance row;
    row.id = "i-1";
    row.project_id = "p";
    row.host = "compute-1";
    row.vm = vm_state::active;
    row.task = task_state::none;
    row.locked = locked;
    stored().rows[row.id] = row;
    return row.id;
  }

  bool answered() {
    return self.ptr()->peek_at_next_mailbox_element() != nullptr;
  }

  template <class Answer>
  Answer answer() {
    CAF_REQUIRE(answered());
    Answer out;
    self->receive([&](Answer& x) { out = std::move(x); },
                  [](caf::error& err) { CAF_FAIL(to_string(err)); });
    return out;
  }

  template <class Answer>
  caf::error refusal() {
    CAF_REQUIRE(answered());
    caf::error out;
    self->receive([](Answer&) { CAF_FAIL("the request was granted"); },
                  [&](caf::error& err) { out = std::move(err); });
    return out;
  }
};

struct silent_fixture : fixture {
  silent_fixture() : fixture(true) {
    // nop
  }

  // The unanswered request's handler holds the API actor's own promise:
  // it ends only when told to, as the pipeline's stop does.
  ~silent_fixture() override {
    self->send_exit(api, caf::exit_reason::user_shutdown);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(api_handler_tests, fixture)

CAF_TEST(a create inserts the rows in the store then records and builds
           each) {
  self->send(api, create_request(2));
  expect((create_servers), from(self).to(api));
  expect((create_instances), from(api).to(store));
  expect((instance_list), from(store).to(api));
  expect((record_action), from(api).to(store));
  expect((record_action), from(api).to(store));
  expect((build_request), from(api).to(conductor));
  expect((build_request), from(api).to(conductor));
  auto created = answer<servers_created>();
  CAF_REQUIRE_EQUAL(created.ids.size(), 2u);
  CAF_CHECK_EQUAL(created.reservation_id.substr(0, 2), "r-");
  auto& builds = conducted().builds;
  CAF_REQUIRE_EQUAL(builds.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    CAF_CHECK_EQUAL(builds[i].instance_id, created.ids[i]);
    CAF_CHECK_EQUAL(builds[i].request_id, "req-1");
    CAF_CHECK_EQUAL(builds[i].flavor_.id, "1");
  }
  auto& records = stored().records;
  CAF_REQUIRE_EQUAL(records.size(), 2u);
  CAF_CHECK_EQUAL(records[0].action.action, "create");
  auto& row = stored().rows.at(created.ids[0]);
  CAF_CHECK_EQUAL(row.vm, vm_state::building);
  CAF_CHECK_EQUAL(row.task, task_state::scheduling);
  CAF_CHECK_EQUAL(row.name, "vm-1");
}

CAF_TEST(a delete of a locked server by a member is refused before the
           conductor hears of it) {
  auto id = server(true);
  self->send(api, delete_server{member, id});
  expect((delete_server), from(self).to(api));
  expect((get_instance), from(api).to(store));
  expect((instance), from(store).to(api));
  run();
  auto err = refusal<accepted>();
  CAF_CHECK_EQUAL(err, errc::instance_is_locked);
  CAF_CHECK_EQUAL(error_message(err), "Instance i-1 is locked");
  CAF_CHECK(conducted().deletes.empty());
  CAF_CHECK(stored().updates.empty());
}

CAF_TEST(a delete sets deleting and tells the conductor and answers once
           the store synced) {
  auto id = server(true); // an admin deletes locked servers too
  self->send(api, delete_server{admin, id});
  expect((delete_server), from(self).to(api));
  expect((get_instance), from(api).to(store));
  expect((instance), from(store).to(api));
  expect((instance_update), from(api).to(store));
  expect((delete_request), from(api).to(conductor));
  expect((sync_store), from(api).to(store));
  CAF_CHECK(!answered());
  expect((store_synced), from(store).to(api));
  CAF_CHECK_EQUAL(answer<accepted>().id, id);
  auto& u = stored().updates.at(0);
  CAF_CHECK_EQUAL(u.id, id);
  CAF_CHECK(!u.set_vm);
  CAF_CHECK_EQUAL(u.task, task_state::deleting);
  CAF_CHECK(u.acknowledged);
  auto& d = conducted().deletes.at(0);
  CAF_CHECK_EQUAL(d.instance_id, id);
  CAF_CHECK_EQUAL(d.host, "compute-1");
}

CAF_TEST(refused builds are service unavailable and reach no store) {
  self->send(api, refuse_builds{});
  expect((refuse_builds), from(self).to(api));
  answer<accepted>();
  self->send(api, create_request(1));
  run();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::service_unavailable);
  CAF_CHECK_EQUAL(error_message(err),
                  "vmforged is shutting down: no new builds are accepted.");
  CAF_CHECK_EQUAL(stored().creates, 0);
  CAF_CHECK(conducted().builds.empty());
}

CAF_TEST(a keypair is answered only once the store saved it) {
  keypair kp;
  kp.name = "k";
  self->send(api, create_keypair{member, kp});
  expect((create_keypair), from(self).to(api));
  CAF_CHECK(!answered());
  expect((save_keypair), from(api).to(store));
  expect((store_synced), from(store).to(api));
  CAF_CHECK_EQUAL(answer<keypair>().user_id, "u");
}

CAF_TEST(a host status the scheduler took is saved by the store before the
           answer) {
  self->send(api, update_service{admin, "compute-1", true, "maintenance"});
  expect((update_service), from(self).to(api));
  expect((set_host_status), from(api).to(scheduler));
  expect((host_view_list), from(scheduler).to(api));
  CAF_CHECK(!answered());
  expect((save_host_status), from(api).to(store));
  expect((store_synced), from(store).to(api));
  auto views = answer<host_view_list>();
  CAF_CHECK_EQUAL(views.items.at(0).disabled_reason, "maintenance");
  auto& s = stored().statuses.at(0);
  CAF_CHECK_EQUAL(s.host, "compute-1");
  CAF_CHECK(s.disabled);
  CAF_CHECK_EQUAL(s.reason, "maintenance");
}

CAF_TEST(a forced down the scheduler took is saved by the store before the
           answer) {
  self->send(api, force_down_service{admin, "compute-1", true});
  expect((force_down_service), from(self).to(api));
  expect((force_host_down), from(api).to(scheduler));
  expect((host_view_list), from(scheduler).to(api));
  CAF_CHECK(!answered());
  expect((save_host_forced_down), from(api).to(store));
  expect((store_synced), from(store).to(api));
  CAF_CHECK(answer<host_view_list>().items.at(0).forced_down);
  auto& s = stored().forced.at(0);
  CAF_CHECK_EQUAL(s.host, "compute-1");
  CAF_CHECK(s.forced_down);
}

CAF_TEST(a member may not force a service down) {
  self->send(api, force_down_service{member, "compute-1", true});
  expect((force_down_service), from(self).to(api));
  auto err = refusal<host_view_list>();
  CAF_CHECK_EQUAL(err, errc::policy_not_authorized);
  CAF_CHECK(stored().forced.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(api_handler_timeout_tests, silent_fixture)

CAF_TEST(a store that never answers is service unavailable after the
           timeout) {
  self->send(api, show_server{member, "i-1"});
  expect((show_server), from(self).to(api));
  expect((get_instance), from(api).to(store));
  // Below the HTTP layer's own 60 s, so that the client gets this answer.
  CAF_CHECK(api_request_timeout < 60s);
  // sched.run(), unlike run(), triggers no timeout by itself.
  CAF_CHECK_EQUAL(advance_time(api_request_timeout - 1ms), 0u);
  sched.run();
  CAF_CHECK(!answered());
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  sched.run();
  auto err = refusal<instance>();
  CAF_CHECK_EQUAL(err, errc::service_unavailable);
  CAF_CHECK_EQUAL(error_message(err), "Service is unavailable at this time.");
}

CAF_TEST_FIXTURE_SCOPE_END()
