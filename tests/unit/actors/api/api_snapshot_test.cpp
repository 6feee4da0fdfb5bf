#define CAF_SUITE api_snapshot
#include "tests/support/actor_fixture.hpp"

#include <caf/all.hpp>

#include "actors/api/api_handler.hpp"
#include "actors/api/server_rules.hpp"
#include "messages/errors.hpp"
#include "store/memory_repository.hpp"

// createImage, shelve, shelveOffload and unshelve at the API: the image
// record first, the task through the store's guard, the instance action,
// then the conductor; Nova's 409s before anything is made.
using namespace vmforge;

namespace {

// The store: rows in a memory repository (begin_task as the real one).
struct store_state {
  static inline const char* name = "store_stub";
  memory_repository repo;
  std::vector<instance_update> updates;
  std::vector<record_action> records;
};

caf::behavior store_stub(caf::stateful_actor<store_state>* self) {
  return {
    [self](get_instance& q) -> caf::result<instance> {
      if (auto row = self->state.repo.find(q.id))
        return *row;
      return nova_error(errc::instance_not_found, q.id);
    },
    [self](begin_task& req) -> caf::result<task_begun> {
      auto begun = self->state.repo.begin(req);
      if (!begun)
        return begun.error();
      return std::move(*begun);
    },
    [self](instance_update& u) {
      self->state.updates.push_back(u);
      self->state.repo.apply(u);
    },
    [self](record_action& rec) { self->state.records.push_back(rec); },
    [self](create_instances& req) -> caf::result<instance_list> {
      auto rows = self->state.repo.create(req.rows, req.min_count, req.limits);
      if (!rows)
        return rows.error();
      return instance_list{*rows};
    },
    [](sync_store&) { return store_synced{}; },
  };
}

struct conductor_state {
  static inline const char* name = "conductor_stub";
  std::vector<instance_operation> ops;
  std::vector<build_request> builds;
};

caf::behavior conductor_stub(caf::stateful_actor<conductor_state>* self) {
  return {
    [self](instance_operation& op) { self->state.ops.push_back(op); },
    [self](build_request& b) { self->state.builds.push_back(b); },
  };
}

// The image service: records by id, made queued.
struct images_state {
  static inline const char* name = "image_stub";
  std::map<std::string, image> images;
  std::vector<image_new> made;
  std::vector<std::string> removed;
  int next = 0;
};

caf::behavior image_stub(caf::stateful_actor<images_state>* self) {
  return {
    [self](image_new& req) {
      auto& st = self->state;
      st.made.push_back(req);
      image img;
      img.id = "snap-" + std::to_string(++st.next);
      img.name = req.name;
      img.status = "queued";
      img.visibility = req.visibility;
      img.properties = req.properties;
      st.images[img.id] = img;
      return img;
    },
    [self](image_show& q) -> caf::result<image> {
      auto i = self->state.images.find(q.id);
      if (i == self->state.images.end())
        return nova_error(errc::image_not_found, q.id);
      return i->second;
    },
    [self](image_remove& q) {
      self->state.removed.push_back(q.id);
      self->state.images.erase(q.id);
      return image_removed{q.id};
    },
  };
}

struct fixture : test::actor_fixture {
  caf::actor store
    = sys.spawn<test::stub<caf::stateful_actor<store_state>, store_stub>>();
  caf::actor conductor = sys.spawn<
    test::stub<caf::stateful_actor<conductor_state>, conductor_stub>>();
  caf::actor images
    = sys.spawn<test::stub<caf::stateful_actor<images_state>, image_stub>>();
  api_actor api;
  request_context member{"u", "p", false, "req-1", "tok"};
  request_context admin{"a", "admin", true, "req-2", {}};

  fixture() {
    auto opts = default_options(2);
    opts.hosts[1].availability_zone = "az2";
    api_config cfg{opts,
                   caf::actor_cast<store_actor>(store),
                   caf::actor_cast<conductor_actor>(conductor),
                   {},
                   caf::actor_cast<image_actor>(images),
                   catalog_state{opts.flavors, {}, {}, {}, {}, {}, {}}};
    cfg.image_url = [](const std::string& id) {
      return "http://glance.example:9292/images/" + id;
    };
    api = spawn_api_handler(sys, std::move(cfg));
    run();
  }

  store_state& stored() {
    return deref<caf::stateful_actor<store_state>>(store).state;
  }
  conductor_state& conducted() {
    return deref<caf::stateful_actor<conductor_state>>(conductor).state;
  }
  images_state& imaged() {
    return deref<caf::stateful_actor<images_state>>(images).state;
  }

  // A server of project p on compute-1 in `vm`.
  void server(vm_state vm, bool locked = false,
              std::map<std::string, std::string> sysmeta = {}) {
    instance row;
    row.id = "i-1";
    row.name = "vm";
    row.project_id = "p";
    row.user_id = "u";
    row.image_id = default_options(1).images.front().id;
    row.flavor_ = default_flavors()[0];
    row.host = vm == vm_state::shelved_offloaded ? "" : "compute-1";
    row.vm = vm;
    row.task = task_state::none;
    row.locked = locked;
    row.system_metadata = std::move(sysmeta);
    stored().repo.load({row}, {});
  }

  const instance& row() {
    return *stored().repo.find("i-1");
  }

  template <class Answer, class Request>
  caf::expected<Answer> ask(Request req) {
    self->send(api, std::move(req));
    run();
    caf::expected<Answer> out = caf::make_error(caf::sec::request_timeout);
    self->receive([&](Answer& x) { out = std::move(x); },
                  [&](caf::error& err) { out = std::move(err); },
                  caf::after(std::chrono::seconds(0)) >>
                    [] { CAF_FAIL("no answer"); });
    return out;
  }

  create_image snapshot(const request_context& ctx,
                        std::map<std::string, std::string> metadata = {}) {
    create_image req;
    req.ctx = ctx;
    req.id = "i-1";
    req.name = "snap";
    req.metadata = std::move(metadata);
    return req;
  }

  shelve_server shelve(shelve_op op, const request_context& ctx,
                       std::string zone = {}) {
    shelve_server req;
    req.ctx = ctx;
    req.id = "i-1";
    req.op = op;
    req.set_zone = !zone.empty();
    req.zone = std::move(zone);
    return req;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(api_snapshot_tests, fixture)

CAF_TEST(createImage makes the image first then sets the task records the
           action and sends the snapshot to the host) {
  server(vm_state::active, true); // a lock does not refuse a snapshot
  // The instance's image, whose properties the snapshot inherits.
  auto source = make_image(row().image_id, "cirros");
  source.min_ram_mb = 64;
  source.properties = {{"hw_disk_bus", "virtio"}, {"img_signature", "s"}};
  imaged().images[source.id] = source;
  auto made = ask<image_created>(snapshot(member, {{"purpose", "x"}}));
  CAF_REQUIRE(made);
  CAF_CHECK_EQUAL(made->image_id, "snap-1");
  CAF_CHECK_EQUAL(made->location, "http://glance.example:9292/images/snap-1");
  CAF_REQUIRE_EQUAL(imaged().made.size(), 1u);
  auto& rec = imaged().made[0];
  CAF_CHECK_EQUAL(rec.name, "snap");
  CAF_CHECK_EQUAL(rec.auth.token, "tok");
  CAF_CHECK_EQUAL(rec.properties.at("image_type"), "snapshot");
  CAF_CHECK_EQUAL(rec.properties.at("instance_uuid"), "i-1");
  CAF_CHECK_EQUAL(rec.properties.at("purpose"), "x");
  CAF_CHECK_EQUAL(rec.properties.at("hw_disk_bus"), "virtio");
  CAF_CHECK_EQUAL(rec.properties.count("img_signature"), 0u);
  CAF_CHECK_EQUAL(rec.min_ram_mb, 64);
  CAF_CHECK_EQUAL(rec.min_disk_gb, 1); // m1.tiny's root disk
  CAF_CHECK_EQUAL(row().task, task_state::image_snapshot_pending);
  CAF_REQUIRE_EQUAL(stored().records.size(), 1u);
  CAF_CHECK_EQUAL(stored().records[0].action.action, "createImage");
  CAF_CHECK_EQUAL(stored().records[0].action.request_id, "req-1");
  CAF_REQUIRE_EQUAL(conducted().ops.size(), 1u);
  auto& op = conducted().ops[0];
  CAF_CHECK(op.op == instance_op::snapshot);
  CAF_CHECK_EQUAL(op.host, "compute-1");
  CAF_CHECK_EQUAL(op.image_id, "snap-1");
  CAF_CHECK_EQUAL(op.project_id, "p");
  CAF_CHECK_EQUAL(op.auth.token, "tok");
  CAF_CHECK_EQUAL(op.request_id, "req-1");
}

CAF_TEST(createImage in a wrong state is the 409 of Nova and makes no image) {
  for (auto vm : {vm_state::building, vm_state::error, vm_state::shelved,
                  vm_state::shelved_offloaded}) {
    stored().repo = memory_repository{};
    server(vm);
    auto made = ask<image_created>(snapshot(member));
    CAF_REQUIRE(!made);
    CAF_CHECK_EQUAL(made.error(), errc::instance_invalid_state);
    CAF_CHECK_EQUAL(error_message(made.error()),
                    std::string{"Cannot 'createImage' instance i-1 while it "
                                "is in vm_state "}
                      + to_string(vm));
  }
  CAF_CHECK(imaged().made.empty());
  CAF_CHECK(conducted().ops.empty());
}

CAF_TEST(before 2.39 the metadata of createImage counts against metadata_items) {
  server(vm_state::active);
  std::map<std::string, std::string> many;
  for (int i = 0; i < 129; ++i)
    many["k" + std::to_string(i)] = "v";
  auto refused = ask<image_created>(snapshot(member, many));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::image_metadata_limit);
  CAF_CHECK_EQUAL(error_message(refused.error()),
                  "Image metadata limit exceeded");
  auto req = snapshot(member, many);
  req.check_metadata_quota = false; // 2.39
  CAF_CHECK(ask<image_created>(req));
}

CAF_TEST(shelve makes the snapshot named after the server and sends it to
           the host) {
  server(vm_state::stopped);
  auto ok = ask<accepted>(shelve(shelve_op::shelve, member));
  CAF_REQUIRE(ok);
  CAF_REQUIRE_EQUAL(imaged().made.size(), 1u);
  CAF_CHECK_EQUAL(imaged().made[0].name, "vm-shelved");
  CAF_CHECK_EQUAL(row().task, task_state::shelving);
  CAF_CHECK_EQUAL(stored().records.at(0).action.action, "shelve");
  CAF_REQUIRE_EQUAL(conducted().ops.size(), 1u);
  CAF_CHECK(conducted().ops[0].op == instance_op::shelve);
  CAF_CHECK_EQUAL(conducted().ops[0].image_id, "snap-1");
  CAF_CHECK_EQUAL(conducted().ops[0].base_image_ref, row().image_id);
}

CAF_TEST(a locked server refuses shelve to members and the lost race drops
           the queued image) {
  server(vm_state::active, true);
  auto refused = ask<accepted>(shelve(shelve_op::shelve, member));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::instance_is_locked);
  CAF_CHECK(imaged().made.empty());
  CAF_CHECK(ask<accepted>(shelve(shelve_op::shelve, admin)));
  CAF_CHECK_EQUAL(conducted().ops.size(), 1u);
}

CAF_TEST(shelveOffload only from SHELVED) {
  server(vm_state::active);
  auto refused = ask<accepted>(shelve(shelve_op::offload, member));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(error_message(refused.error()),
                  "Cannot 'shelveOffload' instance i-1 while it is in "
                  "vm_state active");
  stored().repo = memory_repository{};
  server(vm_state::shelved);
  CAF_REQUIRE(ask<accepted>(shelve(shelve_op::offload, member)));
  CAF_CHECK_EQUAL(row().task, task_state::shelving_offloading);
  CAF_CHECK_EQUAL(stored().records.at(0).action.action, "shelveOffload");
  CAF_CHECK(conducted().ops.at(0).op == instance_op::shelve_offload);
  CAF_CHECK(imaged().made.empty());
}

CAF_TEST(unshelve of a SHELVED server powers it on at its host) {
  server(vm_state::shelved, false, {{"shelved_image_id", "snap-9"}});
  CAF_REQUIRE(ask<accepted>(shelve(shelve_op::unshelve, member)));
  CAF_CHECK_EQUAL(row().task, task_state::unshelving);
  CAF_CHECK_EQUAL(stored().records.at(0).action.action, "unshelve");
  CAF_REQUIRE_EQUAL(conducted().ops.size(), 1u);
  CAF_CHECK(conducted().ops[0].op == instance_op::unshelve);
  CAF_CHECK_EQUAL(conducted().ops[0].host, "compute-1");
  CAF_CHECK_EQUAL(conducted().ops[0].image_id, "snap-9");
  CAF_CHECK(conducted().builds.empty());
}

CAF_TEST(unshelve of a SHELVED_OFFLOADED server builds it from its snapshot
           in the zone asked for) {
  image snap = make_image("snap-7", "vm-shelved");
  imaged().images[snap.id] = snap;
  server(vm_state::shelved_offloaded, false, {{"shelved_image_id", "snap-7"}});
  CAF_REQUIRE(ask<accepted>(shelve(shelve_op::unshelve, member, "az2")));
  CAF_REQUIRE_EQUAL(conducted().builds.size(), 1u);
  auto& b = conducted().builds[0];
  CAF_CHECK(b.unshelve);
  CAF_CHECK_EQUAL(b.instance_id, "i-1");
  CAF_CHECK_EQUAL(b.image_id, "snap-7");
  CAF_CHECK_EQUAL(b.image_.id, "snap-7");
  CAF_CHECK_EQUAL(b.availability_zone, "az2");
  CAF_CHECK_EQUAL(b.request_id, "req-1");
  CAF_CHECK_EQUAL(b.flavor_.id, row().flavor_.id);
  CAF_CHECK_EQUAL(row().task, task_state::unshelving);
  CAF_CHECK(conducted().ops.empty());
}

CAF_TEST(unshelve into a zone needs an offloaded server and a zone that
           exists) {
  server(vm_state::shelved);
  auto refused = ask<accepted>(shelve(shelve_op::unshelve, member, "az2"));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::unshelve_invalid_state);
  CAF_CHECK_EQUAL(error_message(refused.error()),
                  "Specifying an availability zone or a host when unshelving "
                  "server \"i-1\" with status \"shelved\" is not supported. "
                  "The server status must be SHELVED_OFFLOADED.");
  stored().repo = memory_repository{};
  server(vm_state::shelved_offloaded);
  refused = ask<accepted>(shelve(shelve_op::unshelve, member, "nowhere"));
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::invalid_input);
  CAF_CHECK_EQUAL(error_message(refused.error()),
                  "The requested availability zone is not available");
  CAF_CHECK_EQUAL(row().task, task_state::none);
}

CAF_TEST(an unshelve whose snapshot is gone puts the server in ERROR) {
  server(vm_state::shelved_offloaded, false, {{"shelved_image_id", "lost"}});
  CAF_REQUIRE(ask<accepted>(shelve(shelve_op::unshelve, member)));
  CAF_CHECK(conducted().builds.empty());
  CAF_CHECK_EQUAL(row().vm, vm_state::error);
  CAF_CHECK_EQUAL(row().task, task_state::none);
  CAF_CHECK_EQUAL(row().fault_.message,
                  "Unshelve attempted but the image lost cannot be found.");
}

CAF_TEST(unshelve and shelve in every other state are the 409s of Nova) {
  for (auto vm : all_vm_states) {
    stored().repo = memory_repository{};
    server(vm);
    auto unshelved = ask<accepted>(shelve(shelve_op::unshelve, member));
    auto ok = vm == vm_state::shelved || vm == vm_state::shelved_offloaded;
    CAF_CHECK_EQUAL(static_cast<bool>(unshelved), ok);
    if (!ok)
      CAF_CHECK_EQUAL(error_message(unshelved.error()),
                      std::string{"Cannot 'unshelve' instance i-1 while it is "
                                  "in vm_state "}
                        + to_string(vm));
  }
}

CAF_TEST(a server booted from a snapshot is checked with the image service) {
  image snap = make_image("snap-5", "mine");
  imaged().images[snap.id] = snap;
  create_servers req;
  req.ctx = member;
  req.name = "from-snap";
  req.flavor_ref = "1";
  req.image_ref = "snap-5";
  auto created = ask<servers_created>(req);
  CAF_REQUIRE(created);
  CAF_REQUIRE_EQUAL(conducted().builds.size(), 1u);
  CAF_CHECK_EQUAL(conducted().builds[0].image_id, "snap-5");
  CAF_CHECK_EQUAL(conducted().builds[0].image_.id, "snap-5");
  CAF_CHECK(!conducted().builds[0].unshelve);
  imaged().images["snap-5"].status = "queued";
  auto refused = ask<servers_created>(req);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(error_message(refused.error()), "Image snap-5 is not active.");
  req.image_ref = "nope";
  refused = ask<servers_created>(req);
  CAF_REQUIRE(!refused);
  CAF_CHECK_EQUAL(refused.error(), errc::image_not_found);
}

CAF_TEST_FIXTURE_SCOPE_END()
