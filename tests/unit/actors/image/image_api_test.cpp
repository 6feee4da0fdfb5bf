#define CAF_SUITE image_api
#include "tests/support/actor_fixture.hpp"

#include <memory>
#include <set>
#include <vector>

#include <caf/all.hpp>

#include "actors/image/image_api.hpp"
#include "messages/errors.hpp"
#include "tests/support/fake_image_service.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

using images::image_errc;
using images::image_error;

// The fake service, whose show throws `fail` when set.
class failing_service : public test::fake_image_service {
public:
  std::optional<image_error> fail;

  image show(const image_auth& auth, const std::string& id) override {
    if (fail)
      throw *fail;
    return fake_image_service::show(auth, id);
  }

  std::string image_url(const std::string& id) const override {
    return "http://glance.example:9292/images/" + id;
  }
};

// A worker that takes requests and answers only when the test tells it to
// (`release`, the index of the request): who got which request, and when.
// Untyped, so that it takes the test's message too; the dispatcher sees it
// as an image_actor.
using release_atom = caf::atom_constant<caf::atom("release")>;

struct held_state {
  static inline const char* name = "held_worker";
  std::vector<std::pair<std::string, caf::response_promise>> held;
};

using held_actor = caf::stateful_actor<held_state>;

caf::behavior held_worker(held_actor* self, int) {
  return {
    [self](image_show& q) {
      auto rp = self->make_response_promise();
      self->state.held.emplace_back(q.id, rp);
      return rp;
    },
    [self](release_atom, size_t i) {
      auto& h = self->state.held.at(i);
      image img;
      img.id = h.first;
      h.second.deliver(img);
    },
  };
}

const image_auth member{"", "u", "p", false};

struct fixture : test::actor_fixture {
  std::shared_ptr<failing_service> svc = std::make_shared<failing_service>();
  image cirros = svc->add(make_image("img-1", "cirros"));
  image_actor worker = spawn_image_worker(sys, svc, false);

  ~fixture() {
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
    sched.run();
  }


  // What the worker answers to a show of `id`.
  caf::error show_refusal(const std::string& id) {
    self->send(worker, image_show{member, id});
    sched.run();
    return refusal<image>();
  }
};

struct pool_fixture : fixture {
  image_actor w1 = caf::actor_cast<image_actor>(sys.spawn(held_worker, 1));
  image_actor w2 = caf::actor_cast<image_actor>(sys.spawn(held_worker, 2));
  image_actor pool = spawn_image_dispatcher(sys, {w1, w2}, 10s);

  ~pool_fixture() {
    for (auto& a : {w1, w2, pool})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  held_state& held(const image_actor& w) {
    return deref<held_actor>(w).state;
  }

  // Tells `w` to answer its `i`th request.
  void deliver(const image_actor& w, size_t i) {
    self->send(caf::actor_cast<caf::actor>(w), release_atom::value, i);
    expect((caf::atom_value, size_t), from(self).to(w));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(image_worker_tests, fixture)

CAF_TEST(a worker answers each request from the image service) {
  self->send(worker, image_show{member, "img-1"});
  expect((image_show), from(self).to(worker));
  auto shown = answer<image>();
  CAF_CHECK_EQUAL(shown.id, "img-1");
  CAF_CHECK_EQUAL(shown.os_hash_value, cirros.os_hash_value);
  self->send(worker, image_query{member, "cirros", "", "", 0});
  sched.run();
  CAF_CHECK_EQUAL(answer<image_records>().items.size(), 1u);
  image_new snap;
  snap.auth = member;
  snap.name = "snap";
  snap.properties = {{"image_type", "snapshot"}};
  self->send(worker, snap);
  sched.run();
  auto made = answer<image>();
  CAF_CHECK_EQUAL(made.status, "queued");
  CAF_CHECK_EQUAL(made.owner, "p");
  CAF_CHECK_EQUAL(made.properties.at("image_type"), "snapshot");
  self->send(worker, image_remove{member, made.id});
  sched.run();
  CAF_CHECK_EQUAL(answer<image_removed>().id, made.id);
  CAF_CHECK_EQUAL(svc->calls("show"), 1);
  CAF_CHECK_EQUAL(svc->calls("list"), 1);
  CAF_CHECK_EQUAL(svc->calls("create"), 1);
  CAF_CHECK_EQUAL(svc->calls("delete"), 1);
}

CAF_TEST(image service failures become the errors of Nova) {
  auto err = show_refusal("nope");
  CAF_CHECK_EQUAL(err, errc::image_not_found);
  CAF_CHECK_EQUAL(error_message(err), "Image nope could not be found.");
  struct row {
    image_errc code;
    errc nova;
    const char* message;
  };
  row rows[] = {
    {image_errc::not_found, errc::image_not_found,
     "Image img-1 could not be found."},
    {image_errc::not_authorized, errc::image_not_authorized,
     "Not authorized for image img-1."},
    {image_errc::bad_request, errc::image_bad_request,
     "Request of image img-1 got BadRequest response: 400 Bad Request"},
    {image_errc::over_quota, errc::image_quota_exceeded,
     "Quota exceeded or out of space for image img-1 in the image service."},
    {image_errc::connection_failed, errc::glance_connection_failed,
     "Connection to glance host http://glance.example:9292 failed: 400 Bad "
     "Request"},
    {image_errc::http_error, errc::internal,
     "image service show of img-1: 400 Bad Request"},
  };
  for (auto& r : rows) {
    svc->fail = image_error{r.code, "show", "400 Bad Request", 400};
    auto got = show_refusal("img-1");
    CAF_CHECK_EQUAL(got, r.nova);
    CAF_CHECK_EQUAL(error_message(got), r.message);
  }
  svc->fail.reset();
  CAF_CHECK_EQUAL(error_message(image_failure(
                    image_error{image_errc::conflict, "delete",
                                "Image is in use"},
                    "img-1", "embedded")),
                  "Conflict deleting image. Reason: Image is in use.");
}

CAF_TEST(the pool of undetached workers answers through the dispatcher) {
  auto pool = spawn_image_api(sys, image_api_config{svc, 2, false});
  self->send(pool, image_show{member, "img-1"});
  sched.run();
  CAF_CHECK_EQUAL(answer<image>().name, "cirros");
  self->send(pool, image_show{member, "gone"});
  sched.run();
  CAF_CHECK_EQUAL(refusal<image>(), errc::image_not_found);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(image_pool_tests, pool_fixture)

CAF_TEST(requests run on idle workers at once and wait for a busy pool) {
  for (auto id : {"a", "b", "c"})
    self->send(pool, image_show{member, id});
  expect((image_show), from(self).to(pool));
  expect((image_show), from(pool).to(w1));
  expect((image_show), from(self).to(pool));
  expect((image_show), from(pool).to(w2));
  // Both workers busy: the third waits in the dispatcher.
  expect((image_show), from(self).to(pool));
  sched.run();
  CAF_CHECK_EQUAL(held(w1).held.size(), 1u);
  CAF_CHECK_EQUAL(held(w2).held.size(), 1u);
  CAF_CHECK_EQUAL(held(w1).held[0].first, "a");
  CAF_CHECK_EQUAL(held(w2).held[0].first, "b");
  CAF_CHECK(!answered());
  // The second worker finishes first: its answer goes out, and "c" to it.
  deliver(w2, 0);
  expect((image), from(w2).to(pool));
  expect((image_show), from(pool).to(w2));
  CAF_CHECK_EQUAL(answer<image>().id, "b");
  CAF_REQUIRE_EQUAL(held(w2).held.size(), 2u);
  CAF_CHECK_EQUAL(held(w2).held[1].first, "c");
  deliver(w1, 0);
  deliver(w2, 1);
  sched.run();
  std::set<std::string> ids;
  for (int i = 0; i < 2; ++i)
    ids.insert(answer<image>().id);
  CAF_CHECK_EQUAL(ids, (std::set<std::string>{"a", "c"}));
}

CAF_TEST(a request no worker answers in time is service unavailable and
           frees its worker when the call ends) {
  self->send(pool, image_show{member, "slow-1"});
  self->send(pool, image_show{member, "slow-2"});
  self->send(pool, image_show{member, "queued"});
  sched.run();
  CAF_CHECK(!answered());
  CAF_CHECK_EQUAL(advance_time(10s - 1ms), 0u);
  sched.run();
  CAF_CHECK(!answered());
  // One timer for all three: they expire together.
  CAF_CHECK_EQUAL(advance_time(1ms), 1u);
  sched.run();
  for (int i = 0; i < 3; ++i) {
    auto err = refusal<image>();
    CAF_CHECK_EQUAL(err, errc::service_unavailable);
    CAF_CHECK_EQUAL(error_message(err), "Service is unavailable at this time.");
  }
  // The late answer is dropped; the request that waited never runs.
  deliver(w1, 0);
  sched.run();
  CAF_CHECK(!answered());
  CAF_CHECK_EQUAL(held(w1).held.size(), 1u);
  CAF_CHECK_EQUAL(held(w2).held.size(), 1u);
  // The freed worker takes the next request.
  self->send(pool, image_show{member, "next"});
  sched.run();
  CAF_REQUIRE_EQUAL(held(w1).held.size(), 2u);
  CAF_CHECK_EQUAL(held(w1).held[1].first, "next");
  deliver(w1, 1);
  sched.run();
  CAF_CHECK_EQUAL(answer<image>().id, "next");
}

CAF_TEST_FIXTURE_SCOPE_END()
