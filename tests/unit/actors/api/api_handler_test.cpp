#define CAF_SUITE api_handler
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/api/api_handler.hpp"
#include "actors/image/image_api.hpp"
#include "messages/errors.hpp"
#include "tests/support/fake_image_service.hpp"

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
  std::vector<server_group> group_saves;
  std::vector<std::string> group_drops;
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
    [self](save_server_group& s) {
      self->state.group_saves.push_back(s.group);
      return store_synced{};
    },
    [self](drop_server_group& d) {
      self->state.group_drops.push_back(d.id);
      return store_synced{};
    },
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

// An image actor that takes every show and never answers it.
caf::behavior silent_images(caf::event_based_actor* self) {
  return {
    [self](image_show&) { return self->make_response_promise(); },
  };
}

struct conductor_state {
  static inline const char* name = "conductor_stub";
  std::vector<build_request> builds;
  std::vector<delete_request> deletes;
  std::vector<get_console_output> consoles;
  /// Console reads are taken and never answered (a host that hangs).
  bool hold_consoles = false;
};

caf::behavior conductor_stub(caf::stateful_actor<conductor_state>* self) {
  return {
    [self](build_request& b) { self->state.builds.push_back(b); },
    [self](delete_request& d) { self->state.deletes.push_back(d); },
    [self](get_console_output& q) -> caf::result<console_text> {
      self->state.consoles.push_back(q);
      if (self->state.hold_consoles)
        return self->make_response_promise<console_text>();
      return console_text{"log of " + q.instance_id + " on " + q.host};
    },
  };
}

caf::behavior scheduler_stub(caf::event_based_actor*) {
  return {
    [](set_host_aggregates&) {},
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
  // The image actor: a dispatcher in front of one undetached worker over
  // the fake image service, each hop visible to expect().
  std::shared_ptr<test::fake_image_service> image_svc
    = std::make_shared<test::fake_image_service>();
  image_actor image_worker = spawn_image_worker(sys, image_svc, false);
  image_actor images;
  api_actor api;
  request_context member{"u", "p", false, "req-1", "token-u"};
  request_context admin{"a", "p", true, "req-2", {}};

  explicit fixture(bool silent_store_ = false, bool silent_images_ = false) {
    store = silent_store_
              ? caf::actor{sys.spawn<
                  test::stub<caf::event_based_actor, silent_store>>()}
              : caf::actor{sys.spawn<
                  test::stub<caf::stateful_actor<store_state>, store_stub>>()};
    auto opts = default_options(1);
    for (auto& img : opts.images)
      image_svc->add(img);
    images = silent_images_
               ? caf::actor_cast<image_actor>(sys.spawn<
                   test::stub<caf::event_based_actor, silent_images>>())
               : spawn_image_dispatcher(sys, {image_worker});
    api = spawn_api_handler(
      sys, api_config{opts, caf::actor_cast<store_actor>(store),
                      caf::actor_cast<conductor_actor>(conductor),
                      caf::actor_cast<scheduler_actor>(scheduler), images,
                      catalog_state{opts.flavors, {}, {}, {}, {}, {}, {}}});
    run();
  }

  ~fixture() {
    for (auto a : {caf::actor_cast<caf::actor>(images),
                   caf::actor_cast<caf::actor>(image_worker)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  // An image of the fake service (active unless `edit` says otherwise).
  template <class F>
  std::string add_image(const std::string& id, F edit) {
    auto img = make_image(id, "img-" + id);
    edit(img);
    image_svc->add(img);
    return id;
  }

  // The create's image_show, through the dispatcher to the worker and
  // back.
  void expect_image_show() {
    expect((image_show), from(api).to(images));
    expect((image_show), from(images).to(image_worker));
    expect((image), from(image_worker).to(images));
    expect((image), from(images).to(api));
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

  // A server group of the member's project, as the store saved it.
  server_group make_group(std::string policy) {
    server_group_request req;
    req.ctx = member;
    req.op = server_group_op::create;
    req.group.name = "g";
    req.group.policy = std::move(policy);
    self->send(api, req);
    run();
    return answer<server_group_list>().items.at(0);
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

CAF_TEST(a console read goes to the conductor with the host of the server) {
  auto id = server(false);
  self->send(api, console_request{member, id, 10});
  run();
  auto out = answer<console_text>();
  CAF_CHECK_EQUAL(out.output, "log of i-1 on compute-1");
  CAF_REQUIRE_EQUAL(conducted().consoles.size(), 1u);
  CAF_CHECK_EQUAL(conducted().consoles[0].length, 10);
}

CAF_TEST(a console of a server on no host is not ready and of another
           project not found) {
  auto id = server(false);
  stored().rows[id].host.clear();
  self->send(api, console_request{member, id, -1});
  run();
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::instance_not_ready);
  stored().rows[id].host = "compute-1";
  self->send(api, console_request{{"v", "other", false, "req-3", {}}, id, -1});
  run();
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::instance_not_found);
  self->send(api, console_request{member, "nope", -1});
  run();
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::instance_not_found);
  CAF_CHECK(conducted().consoles.empty());
}

CAF_TEST(a console read no host answers is service unavailable after the
           timeout) {
  auto id = server(false);
  conducted().hold_consoles = true;
  self->send(api, console_request{member, id, 5});
  sched.run();
  CAF_CHECK_EQUAL(conducted().consoles.size(), 1u);
  CAF_CHECK_EQUAL(advance_time(api_request_timeout - 1ms), 0u);
  sched.run();
  CAF_CHECK(!answered());
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  sched.run();
  CAF_CHECK_EQUAL(refusal<console_text>(), errc::service_unavailable);
  // Its request to the stand-in stays pending: it ends only when told, as
  // in the silent fixtures.
  self->send_exit(api, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(a create asks the image actor then inserts the rows in the store
           then records and builds each with the image and the auth of
           the caller) {
  self->send(api, create_request(2));
  expect((create_servers), from(self).to(api));
  expect_image_show();
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
  auto wanted = image_svc->show({}, create_request(1).image_ref);
  for (size_t i = 0; i < 2; ++i) {
    CAF_CHECK_EQUAL(builds[i].instance_id, created.ids[i]);
    CAF_CHECK_EQUAL(builds[i].request_id, "req-1");
    CAF_CHECK_EQUAL(builds[i].flavor_.id, "1");
    // The record the API checked, for the host's download (Nova's
    // request spec), and whose request it is (Nova's context).
    CAF_CHECK_EQUAL(builds[i].image_id, wanted.id);
    CAF_CHECK_EQUAL(builds[i].image_.id, wanted.id);
    CAF_CHECK_EQUAL(builds[i].image_.os_hash_value, wanted.os_hash_value);
    CAF_CHECK_EQUAL(builds[i].auth.token, "token-u");
    CAF_CHECK_EQUAL(builds[i].auth.user_id, "u");
    CAF_CHECK_EQUAL(builds[i].auth.project_id, "p");
    CAF_CHECK(!builds[i].auth.is_admin);
  }
  auto& records = stored().records;
  CAF_REQUIRE_EQUAL(records.size(), 2u);
  CAF_CHECK_EQUAL(records[0].action.action, "create");
  auto& row = stored().rows.at(created.ids[0]);
  CAF_CHECK_EQUAL(row.vm, vm_state::building);
  CAF_CHECK_EQUAL(row.task, task_state::scheduling);
  CAF_CHECK_EQUAL(row.name, "vm-1");
}

CAF_TEST(a create of an image the service does not have is ImageNotFound
           and makes no row) {
  auto req = create_request(1);
  req.image_ref = "0b5bd3c1-0000-4000-8000-000000000000";
  self->send(api, req);
  expect((create_servers), from(self).to(api));
  expect((image_show), from(api).to(images));
  run();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::image_not_found);
  CAF_CHECK_EQUAL(stored().creates, 0);
  CAF_CHECK(conducted().builds.empty());
}

CAF_TEST(a create of an image that is not active is ImageNotActive) {
  auto req = create_request(1);
  req.image_ref = add_image("q-1", [](image& i) { i.status = "queued"; });
  self->send(api, req);
  expect((create_servers), from(self).to(api));
  expect_image_show();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::image_not_active);
  CAF_CHECK_EQUAL(error_message(err), "Image q-1 is not active.");
  CAF_CHECK_EQUAL(stored().creates, 0);
}

CAF_TEST(a create of an image whose min_ram the flavor lacks is
           FlavorMemoryTooSmall) {
  auto req = create_request(1);
  req.image_ref = add_image("big", [](image& i) { i.min_ram_mb = 100000; });
  self->send(api, req);
  expect((create_servers), from(self).to(api));
  expect_image_show();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::flavor_memory_too_small);
  CAF_CHECK_EQUAL(error_message(err),
                  "Flavor's memory is too small for requested image.");
  CAF_CHECK_EQUAL(stored().creates, 0);
}

CAF_TEST(what needs no image is refused before the image actor is asked) {
  auto req = create_request(1);
  req.flavor_ref = "42";
  self->send(api, req);
  expect((create_servers), from(self).to(api));
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::flavor_not_found);
  CAF_CHECK_EQUAL(image_svc->calls("show"), 0);
}

CAF_TEST(a kernel_id and ramdisk_id are asked of the image actor and must
           be active aki and ari images) {
  auto kernel = add_image("k-1", [](image& i) { i.disk_format = "aki"; });
  auto ramdisk = add_image("r-1", [](image& i) { i.disk_format = "qcow2"; });
  auto req = create_request(1);
  req.image_ref = add_image("ami-1", [&](image& i) {
    i.disk_format = "ami";
    i.properties["kernel_id"] = kernel;
    i.properties["ramdisk_id"] = ramdisk;
  });
  self->send(api, req);
  expect((create_servers), from(self).to(api));
  expect_image_show(); // the image
  expect_image_show(); // its kernel
  expect_image_show(); // its ramdisk
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::image_unacceptable);
  CAF_CHECK_EQUAL(error_message(err),
                  "Image ami-1 is unacceptable: ramdisk_id r-1 is an image of "
                  "disk_format qcow2, not ari");
  CAF_CHECK_EQUAL(stored().creates, 0);
  add_image("r-1", [](image& i) { i.disk_format = "ari"; });
  self->send(api, req);
  run();
  CAF_CHECK_EQUAL(answer<servers_created>().ids.size(), 1u);
  CAF_CHECK_EQUAL(conducted().builds.at(0).image_.id, "ami-1");
}

CAF_TEST(a shutdown begun while the image is asked refuses the build) {
  self->send(api, create_request(1));
  expect((create_servers), from(self).to(api));
  expect((image_show), from(api).to(images));
  self->send(api, refuse_builds{});
  expect((refuse_builds), from(self).to(api));
  answer<accepted>();
  run();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::service_unavailable);
  CAF_CHECK_EQUAL(stored().creates, 0);
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
  // The action a deleted server keeps (2.21).
  expect((record_action), from(api).to(store));
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
  auto& rec = stored().records.back();
  CAF_CHECK_EQUAL(rec.instance_id, id);
  CAF_CHECK_EQUAL(rec.action.action, "delete");
}

CAF_TEST(a reset state is for admins and sets the state whatever the task
           once the store synced) {
  auto id = server(false);
  stored().rows[id].task = task_state::image_uploading;
  self->send(api, reset_server_state{member, id, vm_state::error});
  run();
  auto err = refusal<accepted>();
  CAF_CHECK_EQUAL(err, errc::policy_not_authorized);
  CAF_CHECK_EQUAL(error_message(err),
                  "Policy doesn't allow "
                  "os_compute_api:os-admin-actions:reset_state to be "
                  "performed.");
  CAF_CHECK(stored().updates.empty());
  self->send(api, reset_server_state{admin, id, vm_state::error});
  expect((reset_server_state), from(self).to(api));
  expect((get_instance), from(api).to(store));
  expect((instance), from(store).to(api));
  expect((record_action), from(api).to(store));
  expect((instance_update), from(api).to(store));
  expect((sync_store), from(api).to(store));
  CAF_CHECK(!answered());
  expect((store_synced), from(store).to(api));
  CAF_CHECK_EQUAL(answer<accepted>().id, id);
  auto& u = stored().updates.at(0);
  CAF_CHECK(u.set_vm);
  CAF_CHECK_EQUAL(u.vm, vm_state::error);
  CAF_CHECK_EQUAL(u.task, task_state::none);
  CAF_CHECK(u.expected.contains(task_state::image_uploading));
  CAF_CHECK_EQUAL(stored().records.back().action.action, "resetState");
  self->send(api, reset_server_state{admin, "nope", vm_state::active});
  run();
  CAF_CHECK_EQUAL(refusal<accepted>(), errc::instance_not_found);
}

CAF_TEST(a password is read from the system metadata of a server the
           caller may see) {
  auto id = server(false);
  stored().rows[id].system_metadata = {{"password_0", "ab"},
                                       {"password_1", "cd"}};
  self->send(api, server_password_request{member, id, false});
  run();
  CAF_CHECK_EQUAL(answer<server_password>().password, "abcd");
  self->send(api, server_password_request{{"v", "other", false, "req-3", {}},
                                          id, false});
  run();
  CAF_CHECK_EQUAL(refusal<server_password>(), errc::instance_not_found);
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
  self->send(api, create_keypair{member, kp, {}});
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

namespace {

struct silent_images_fixture : fixture {
  silent_images_fixture() : fixture(false, true) {
    // nop
  }

  ~silent_images_fixture() override {
    self->send_exit(api, caf::exit_reason::user_shutdown);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(api_handler_image_timeout_tests, silent_images_fixture)

CAF_TEST(an image actor that never answers is service unavailable after
           the timeout and no row is made) {
  self->send(api, create_request(1));
  expect((create_servers), from(self).to(api));
  expect((image_show), from(api).to(images));
  CAF_CHECK_EQUAL(advance_time(api_request_timeout - 1ms), 0u);
  sched.run();
  CAF_CHECK(!answered());
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  sched.run();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::service_unavailable);
  CAF_CHECK_EQUAL(error_message(err), "Service is unavailable at this time.");
  CAF_CHECK_EQUAL(stored().creates, 0);
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

CAF_TEST_FIXTURE_SCOPE(api_handler_server_group_tests, fixture)

CAF_TEST(a server group is answered once the store saved it and counts
           against server_groups) {
  auto g = make_group("anti-affinity");
  CAF_REQUIRE_EQUAL(stored().group_saves.size(), 1u);
  CAF_CHECK_EQUAL(stored().group_saves[0].id, g.id);
  CAF_CHECK_EQUAL(g.project_id, "p");
  for (int i = 1; i < 10; ++i)
    make_group("affinity");
  server_group_request req;
  req.ctx = member;
  req.op = server_group_op::create;
  req.group.name = "eleventh";
  req.group.policy = "affinity";
  self->send(api, req);
  run();
  auto err = refusal<server_group_list>();
  CAF_CHECK_EQUAL(err, errc::server_group_limit_exceeded);
  CAF_CHECK_EQUAL(stored().group_saves.size(), 10u);
  req.op = server_group_op::list;
  self->send(api, req);
  run();
  CAF_CHECK_EQUAL(answer<server_group_list>().items.size(), 10u);
}

CAF_TEST(servers created with a group hint join it and their builds carry
           the group; a delete takes the member out) {
  auto g = make_group("anti-affinity");
  auto req = create_request(3);
  req.group = g.id;
  self->send(api, req);
  run();
  auto created = answer<servers_created>();
  CAF_REQUIRE_EQUAL(created.ids.size(), 3u);
  auto& saves = stored().group_saves;
  CAF_REQUIRE_EQUAL(saves.size(), 2u);
  CAF_CHECK_EQUAL(saves[1].members, created.ids);
  auto& builds = conducted().builds;
  CAF_REQUIRE_EQUAL(builds.size(), 3u);
  for (auto& b : builds) {
    CAF_CHECK_EQUAL(b.group.id, g.id);
    CAF_CHECK_EQUAL(b.group.policy, "anti-affinity");
    CAF_CHECK_EQUAL(b.group.members, created.ids);
  }
  server_group_request of;
  of.ctx = member;
  of.op = server_group_op::of_server;
  of.id = created.ids[1];
  self->send(api, of);
  run();
  auto in = answer<server_group_list>();
  CAF_CHECK_EQUAL(in.items.at(0).id, g.id);
  self->send(api, delete_server{member, created.ids[1]});
  run();
  answer<accepted>();
  CAF_REQUIRE_EQUAL(saves.size(), 3u);
  CAF_CHECK_EQUAL(saves[2].members,
                  (std::vector<std::string>{created.ids[0], created.ids[2]}));
}

CAF_TEST(a group hint naming no group is 400 and one beyond
           server_group_members 403 before any image or row) {
  auto req = create_request(1);
  req.group = "0b5bd3c1-0000-4000-8000-000000000000";
  self->send(api, req);
  run();
  auto err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::invalid_input);
  CAF_CHECK_EQUAL(error_message(err), "Instance group "
                                      "0b5bd3c1-0000-4000-8000-000000000000 "
                                      "could not be found.");
  auto g = make_group("affinity");
  req = create_request(11);
  req.group = g.id;
  self->send(api, req);
  run();
  err = refusal<servers_created>();
  CAF_CHECK_EQUAL(err, errc::group_member_limit_exceeded);
  CAF_CHECK_EQUAL(error_message(err),
                  "Quota exceeded, too many servers in group");
  CAF_CHECK_EQUAL(stored().creates, 0);
}

CAF_TEST(a deleted group is dropped from the store; its servers stay) {
  auto g = make_group("affinity");
  server_group_request req;
  req.ctx = admin;
  req.op = server_group_op::remove;
  req.id = g.id;
  self->send(api, req);
  run();
  auto in = answer<server_group_list>();
  CAF_CHECK_EQUAL(in.items.at(0).id, g.id);
  CAF_CHECK_EQUAL(stored().group_drops, std::vector<std::string>{g.id});
  req.op = server_group_op::show;
  self->send(api, req);
  run();
  CAF_CHECK_EQUAL(refusal<server_group_list>(),
                  errc::instance_group_not_found);
}

CAF_TEST_FIXTURE_SCOPE_END()
