#include "store/writer.hpp"

#include <chrono>
#include <string>
#include <unordered_map>

#include "util/log.hpp"

namespace vmforge {

store_writer::store_writer(std::unique_ptr<database> db)
  : db_(std::move(db)), thread_([this] { run(); }) {
  // nop
}

store_writer::~store_writer() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void store_writer::set_listener(listener fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  listener_ = std::move(fn);
}

uint64_t store_writer::enqueue(pending p) {
  std::lock_guard<std::mutex> guard{mtx_};
  p.seq = ++next_seq_;
  queue_.push_back(std::move(p));
  if (queue_.size() == 1)
    wake_.notify_one();
  return next_seq_;
}

uint64_t store_writer::put_instance(const instance& row, bool with_metadata) {
  return enqueue(pending{0, row, with_metadata, {}});
}

uint64_t store_writer::submit(write_fn fn) {
  return enqueue(pending{0, std::nullopt, false, std::move(fn)});
}

uint64_t store_writer::last_queued() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return next_seq_;
}

uint64_t store_writer::last_durable() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return durable_;
}

uint64_t store_writer::batches() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return batches_;
}

void store_writer::flush() {
  std::unique_lock<std::mutex> guard{mtx_};
  auto target = next_seq_;
  durable_cv_.wait(guard, [&] { return durable_ >= target; });
}

void store_writer::write(std::vector<pending>& batch) {
  // The last put of each row wins; it also carries the metadata if any
  // earlier put in the batch changed it.
  std::unordered_map<std::string, size_t> last;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].row)
      continue;
    auto [pos, fresh] = last.emplace(batch[i].row->id, i);
    if (!fresh) {
      batch[i].with_metadata |= batch[pos->second].with_metadata;
      pos->second = i;
    }
  }
  db_->begin();
  try {
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& p = batch[i];
      if (!p.row)
        p.fn(*db_);
      else if (last[p.row->id] == i)
        db_->put_instance(*p.row, p.with_metadata);
    }
    db_->commit();
  } catch (...) {
    db_->rollback();
    throw;
  }
}

void store_writer::run() {
  std::vector<pending> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> guard{mtx_};
      wake_.wait(guard, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty())
        return; // stopping, and everything is written
      batch.swap(queue_);
    }
    // A failed commit (disk full, I/O error) is retried: what waits for it
    // stays unacknowledged meanwhile, and nothing is lost or reordered.
    for (int failures = 0;; ++failures) {
      try {
        write(batch);
        break;
      } catch (const std::exception& e) {
        log::error("store", "cannot commit ", batch.size(),
                   " writes (attempt ", failures + 1, "): ", e.what());
        std::this_thread::sleep_for(std::chrono::milliseconds{
          std::min(5000, 100 << std::min(failures, 6))});
      }
    }
    listener fn;
    uint64_t done = batch.back().seq;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      durable_ = done;
      ++batches_;
      fn = listener_;
    }
    durable_cv_.notify_all();
    if (fn)
      fn(done);
    batch.clear();
  }
}

} // namespace vmforge
