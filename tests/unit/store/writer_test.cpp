#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/writer.hpp"
#include "tests/support/store_files.hpp"

using namespace vmforge;
using namespace vmforge::test;
using namespace std::chrono_literals;

namespace {

// A writer on a fresh database that tells the test of its commits, so that
// the test waits for a state of the writer (bounded) instead of sleeping.
class watched_writer {
public:
  watched_writer(const temp_dir& dir, std::chrono::milliseconds delay)
    : seen_(std::make_shared<seen>()) {
    auto db = std::make_unique<database>(db_path(dir));
    db->migrate();
    writer = std::make_unique<store_writer>(std::move(db), delay);
    writer->set_listener([s = seen_](uint64_t seq) {
      s->update([&] { s->durable = seq; });
    });
    writer->set_commit_observer(
      [s = seen_](size_t writes, std::chrono::duration<double>) {
        s->update([&] { s->writes += writes; });
      });
  }

  /// Whether every urgent write queued so far became durable.
  bool durable() {
    auto seq = writer->last_queued();
    return seen_->wait([&] { return seen_->durable >= seq; });
  }

  /// Whether `n` writes were committed in all.
  bool committed(size_t n) {
    return seen_->wait([&] { return seen_->writes >= n; });
  }

  std::unique_ptr<store_writer> writer;

private:
  // Shared with the writer's thread, which may report after we are gone.
  struct seen {
    std::mutex mtx;
    std::condition_variable cv;
    uint64_t durable = 0;
    size_t writes = 0;

    template <class Fn>
    void update(Fn fn) {
      {
        std::lock_guard<std::mutex> guard{mtx};
        fn();
      }
      cv.notify_all();
    }

    template <class Pred>
    bool wait(Pred pred) {
      std::unique_lock<std::mutex> guard{mtx};
      return cv.wait_for(guard, 10s, pred);
    }
  };

  std::shared_ptr<seen> seen_;
};

} // namespace

TEST_CASE("writer: deferred puts are coalesced and urgent ones committed at "
          "once",
          "[writer]") {
  temp_dir dir;
  watched_writer ww{dir, 1h}; // deferred puts wait "for ever"
  auto& w = *ww.writer;
  auto row = sample_row(1);
  for (auto task : {task_state::networking, task_state::block_device_mapping,
                    task_state::spawning}) {
    row.task = task;
    w.put_instance(row, false, false);
  }
  CHECK(w.last_queued() == 0); // nobody waits for deferred puts
  // The next batch carries another row's urgent put, not the deferred one.
  auto other = sample_row(2);
  w.put_instance(other, false, true);
  REQUIRE(ww.durable());
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].id == other.id);
  row.task = task_state::none;
  w.put_instance(row, false, true);
  REQUIRE(ww.durable());
  st = reload(dir);
  REQUIRE(st.instances.size() == 2);
  auto& r = st.instances[0].id == row.id ? st.instances[0] : st.instances[1];
  CHECK(r.task == task_state::none);
  CHECK(r.metadata.empty()); // metadata not rewritten
  CHECK(w.coalesced() == 3);
}

TEST_CASE("writer: deferred puts are written after the delay, and a drop "
          "cancels them",
          "[writer]") {
  temp_dir dir;
  watched_writer ww{dir, 100ms};
  auto& w = *ww.writer;
  auto kept = sample_row(1);
  auto dropped = sample_row(2);
  w.put_instance(kept, true, false);
  w.put(kept.id, "req-1", [&](database& d) {
    d.put_action(1, action_record{"create", "req-1", "u", "p", 1, {}});
  });
  w.put_instance(dropped, true, false);
  w.drop_instance(dropped.id, [](database& d) { d.drop_instance(2); });
  // The drop (a write of its own) and, once due, what is pending for
  // `kept`; no flush.
  REQUIRE(ww.committed(2));
  auto st = reload(dir);
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].id == kept.id);
  CHECK(st.instances[0].metadata == kept.metadata);
  CHECK(st.actions.size() == 1);
}

TEST_CASE("writer: writes from many threads share commits (group commit)",
          "[writer]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db)};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&w, t] {
      for (int i = 0; i < 250; ++i) {
        auto row = sample_row(t * 1000 + i + 1);
        w.put_instance(row, false, true);
        auto seq = w.last_queued();
        while (w.last_durable() < seq)
          std::this_thread::yield();
      }
    });
  for (auto& t : threads)
    t.join();
  w.flush();
  CHECK(reload(dir).instances.size() == 2000);
  // Each thread waited for its own write: 2,000 commits without grouping.
  CHECK(w.batches() < 2000);
}

TEST_CASE("writer: flush writes deferred puts too", "[writer]") {
  temp_dir dir;
  auto db = std::make_unique<database>(db_path(dir));
  db->migrate();
  store_writer w{std::move(db), 1h};
  w.put_instance(sample_row(1), false, false);
  w.flush();
  CHECK(reload(dir).instances.size() == 1);
}
