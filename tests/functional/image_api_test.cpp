#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <caf/all.hpp>

#include "actors/image/image_api.hpp"
#include "app/pipeline.hpp"
#include "messages/errors.hpp"
#include "tests/support/fake_image_service.hpp"

using namespace vmforge;
using namespace std::chrono_literals;

namespace {

// A service whose show blocks until `wanted` shows are in it at once (or
// 10 s pass): only workers on threads of their own get there.
class meeting_service : public test::fake_image_service {
public:
  explicit meeting_service(int wanted) : wanted_(wanted) {
  }

  image show(const image_auth& auth, const std::string& id) override {
    {
      std::unique_lock<std::mutex> guard{mtx_};
      ++inside_;
      most_ = std::max(most_, inside_);
      cv_.notify_all();
      cv_.wait_for(guard, 10s, [this] { return inside_ >= wanted_; });
    }
    auto out = fake_image_service::show(auth, id);
    std::lock_guard<std::mutex> guard{mtx_};
    --inside_;
    return out;
  }

  int most() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return most_;
  }

private:
  int wanted_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  int inside_ = 0;
  int most_ = 0;
};

} // namespace

TEST_CASE("the image actor's detached workers call the service at once",
          "[image_api]") {
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto svc = std::make_shared<meeting_service>(4);
  svc->add(make_image("img-1", "cirros"));
  auto images = spawn_image_api(sys, image_api_config{svc, 4, true});
  caf::scoped_actor self{sys};
  for (int i = 0; i < 4; ++i)
    self->send(images, image_show{{}, "img-1"});
  for (int i = 0; i < 4; ++i)
    self->receive([](image& img) { CHECK(img.id == "img-1"); },
                  [](caf::error& err) { FAIL(error_message(err)); },
                  caf::after(20s) >> [] { FAIL("no answer"); });
  // Four calls were inside the service at once.
  CHECK(svc->most() == 4);
  self->send_exit(images, caf::exit_reason::user_shutdown);
}
