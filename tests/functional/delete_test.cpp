#include <catch2/catch.hpp>

#include "actors/api/api_handler.hpp"
#include "actors/conductor/conductor.hpp"
#include "actors/image/image_api.hpp"
#include "actors/store/instance_store.hpp"
#include "store/memory_repository.hpp"
#include "tests/functional/fixture.hpp"
#include "tests/support/fake_image_service.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

using open_atom = caf::atom_constant<caf::atom("open")>;

struct gate_state {
  std::vector<std::pair<caf::response_promise, std::string>> held;
};

// A scheduler that holds every selection until told which host to answer:
// the only way to have a build sit in the scheduling phase on demand.
caf::behavior gated_scheduler(caf::stateful_actor<gate_state>* self,
                              caf::actor observer) {
  return {
    [self, observer](select_destinations& req) {
      auto rp = self->make_response_promise();
      self->state.held.emplace_back(rp, req.spec.instance_id);
      self->send(observer, req);
      return rp;
    },
    [self, observer](release_claim& r) { self->send(observer, r); },
    [](host_report&) {},
    [](set_host_aggregates&) {},
    [self](open_atom, const std::string& host) {
      for (auto& kv : self->state.held)
        kv.first.deliver(host_selection{kv.second, host, {}, "nova"});
      self->state.held.clear();
    },
  };
}

} // namespace

TEST_CASE("a delete during scheduling wins: no host ever sees the build",
          "[delete]") {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  caf::scoped_actor recorder{sys};
  auto opts = test_options(1);
  auto reg = std::make_shared<metrics::registry>();
  auto store = spawn_instance_store(sys, std::make_shared<memory_repository>(),
                                    reg);
  self->send(store, subscribe_transitions{caf::actor{recorder}, false});
  auto gate = sys.spawn(gated_scheduler, caf::actor{self});
  auto conductor = spawn_conductor(
    sys, conductor_config{3, 600, 1000, caf::actor_cast<scheduler_actor>(gate),
                          store, reg});
  auto images_svc = std::make_shared<fake_image_service>();
  for (auto& img : opts.images)
    images_svc->add(img);
  auto images = spawn_image_api(sys, image_api_config{images_svc, 1, false});
  auto api = spawn_api_handler(
    sys, api_config{opts, store, conductor,
                    caf::actor_cast<scheduler_actor>(gate), images,
                    catalog_state{opts.flavors, {}, {}, {}, {}, {}, {}}});
  request_context ctx{"u", "p", false, {}, {}};
  create_servers req;
  req.ctx = ctx;
  req.name = "doomed";
  req.flavor_ref = "1";
  req.image_ref = opts.images.front().id;
  std::string id;
  self->request(api, 5s, req).receive(
    [&](servers_created& r) { id = r.ids.front(); },
    [](caf::error& err) { FAIL(message_of(err)); });
  self->receive([&](select_destinations& sel) {
    CHECK(sel.spec.instance_id == id);
  });
  self->request(api, 5s, delete_server{ctx, id})
    .receive([](accepted&) {}, [](caf::error& err) { FAIL(message_of(err)); });
  self->send(gate, open_atom::value, std::string{"compute-1"});
  self->receive([&](release_claim& r) { CHECK(r.instance_id == id); });
  std::vector<std::string> seq;
  while (seq.empty() || seq.back() != "deleted/none")
    recorder->receive([&](instance_transition& t) {
      seq.push_back(std::string{to_string(t.vm)} + "/" + to_string(t.task));
    });
  CHECK(seq
        == std::vector<std::string>{"building/scheduling", "building/deleting",
                                    "deleted/none"});
  self->request(api, 5s, show_server{ctx, id})
    .receive([](instance&) { FAIL("still there"); },
             [](caf::error& err) { CHECK(err == errc::instance_not_found); });
  self->request(conductor, 5s, get_conductor_stats{})
    .receive(
      [](conductor_stats& s) {
        CHECK(s.in_flight == 0);
        CHECK(s.builds_deleted == 1);
      },
      [](caf::error&) { FAIL("no stats"); });
  for (auto a : {caf::actor_cast<caf::actor>(api),
                 caf::actor_cast<caf::actor>(images),
                 caf::actor_cast<caf::actor>(conductor), gate,
                 caf::actor_cast<caf::actor>(store)})
    self->send_exit(a, caf::exit_reason::user_shutdown);
}

namespace {

void check_nothing_left(harness& h, const std::string& id) {
  CHECK(h.show(id).error() == errc::instance_not_found);
  for (auto& v : h.host_views()) {
    CHECK(v.used == resources{});
    CHECK(h.usage(v.host).used == resources{});
  }
  // A spawn still running when the delete came finishes, then is destroyed.
  CHECK(h.wait_for(
    [&] {
      for (auto& kv : h.p->drivers)
        if (!kv.second->list_instances().empty())
          return false;
      return true;
    },
    5s));
  CHECK(h.stats().in_flight == 0);
}

} // namespace

TEST_CASE("a delete during spawn wins: the build is cancelled and cleaned up",
          "[delete]") {
  auto opts = test_options(1);
  opts.fake_driver.latency_min_ms = opts.fake_driver.latency_max_ms = 400;
  harness h{opts};
  auto id = h.create("slow");
  REQUIRE(h.wait_state(id, vm_state::building, task_state::spawning));
  REQUIRE(h.remove(id));
  CHECK(h.wait_deleted(id));
  auto seq = h.sequence(id);
  CHECK(std::find(seq.begin(), seq.end(), "active/none") == seq.end());
  CHECK(seq[seq.size() - 2] == "building/deleting");
  check_nothing_left(h, id);
}

TEST_CASE("a delete of a queued build frees its slot before it starts",
          "[delete]") {
  auto opts = test_options(1);
  opts.max_concurrent_builds = 1;
  opts.fake_driver.latency_min_ms = opts.fake_driver.latency_max_ms = 300;
  harness h{opts};
  auto first = h.create("a");
  auto second = h.create("b");
  REQUIRE(h.wait_state(second, vm_state::building, task_state::none));
  auto usage = h.usage("compute-1");
  CHECK(usage.running_builds == 1);
  CHECK(usage.queued_builds == 1);
  REQUIRE(h.remove(second));
  CHECK(h.wait_deleted(second));
  auto seq = h.sequence(second);
  CHECK(std::find(seq.begin(), seq.end(), "building/networking") == seq.end());
  CHECK(h.wait_final(first).vm == vm_state::active);
  CHECK(h.usage("compute-1").used == resources{1, 512, 1});
}

TEST_CASE("a delete after ACTIVE destroys the domain and frees the host",
          "[delete]") {
  harness h{test_options(2)};
  auto id = h.create("done");
  REQUIRE(h.wait_final(id).vm == vm_state::active);
  REQUIRE(h.remove(id));
  CHECK(h.wait_deleted(id));
  check_nothing_left(h, id);
  CHECK(h.stats().builds_active == 1);
  CHECK(h.stats().builds_deleted == 1);
}

TEST_CASE("a delete of an ERROR instance that never had a host",
          "[delete]") {
  auto opts = test_options(1);
  opts.hosts[0].capacity = {1, 256, 1};
  harness h{opts};
  auto id = h.create("nohost");
  REQUIRE(h.wait_final(id).vm == vm_state::error);
  REQUIRE(h.remove(id));
  CHECK(h.wait_deleted(id));
  check_nothing_left(h, id);
}

TEST_CASE("instance_build_timeout puts a stuck build in ERROR and frees its "
          "host",
          "[timeout]") {
  auto opts = test_options(1);
  opts.instance_build_timeout_s = 1;
  opts.fake_driver.hang_on_hosts = {"compute-1"};
  harness h{opts};
  auto id = h.create("stuck");
  REQUIRE(h.wait_state(id, vm_state::building, task_state::spawning));
  CHECK(h.wait_final(id, 5s).vm == vm_state::error);
  auto row = h.show(id);
  REQUIRE(row);
  CHECK(row->fault_.message
        == "Build of instance " + id + " timed out after 1 seconds.");
  CHECK(h.stats().build_timeouts == 1);
  CHECK(h.wait_for([&] { return h.stats().in_flight == 0; }, 5s));
  CHECK(h.host_views().front().used == resources{});
  auto usage = h.usage("compute-1");
  CHECK(usage.used == resources{});
  CHECK(usage.running_builds == 0);
  REQUIRE(h.remove(id));
  CHECK(h.wait_deleted(id));
}
