#include "store/writer.hpp"

#include <algorithm>
#include <pthread.h>
#include <string>

#include "util/log.hpp"

namespace vmforge {

using clock_type = std::chrono::steady_clock;

store_writer::store_writer(std::unique_ptr<database> db,
                           std::chrono::milliseconds delay)
  : db_(std::move(db)), delay_(delay), thread_([this] { run(); }) {
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

void store_writer::set_commit_observer(commit_observer fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  observer_ = std::move(fn);
}

store_writer::records& store_writer::pending_for(const std::string& id) {
  auto [pos, fresh] = pending_.try_emplace(id);
  // A pending instance keeps its place in time, so one that changes all
  // the time is still written every `delay`.
  if (fresh) {
    pos->second.due = clock_type::now() + delay_;
    order_.emplace_back(pos->second.due, id);
    if (pending_.size() == 1)
      wake_.notify_one(); // it may be waiting without a deadline
  }
  return pos->second;
}

void store_writer::put_instance(const instance& row, bool with_metadata,
                                bool urgent) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& r = pending_for(row.id);
  if (r.row)
    ++coalesced_; // the pending row is superseded: one write saved
  r.row = row;
  r.with_metadata |= with_metadata;
  if (urgent) {
    ++next_seq_;
    if (!r.urgent)
      urgent_.push_back(row.id);
    r.urgent = true;
    wake_.notify_one();
  }
}

void store_writer::put(const std::string& instance_id, const std::string& key,
                       write_fn fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& others = pending_for(instance_id).others;
  for (auto& kv : others)
    if (kv.first == key) {
      kv.second = std::move(fn);
      ++coalesced_;
      return;
    }
  others.emplace_back(key, std::move(fn));
}

void store_writer::drop_instance(const std::string& id, write_fn fn) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    pending_.erase(id);
  }
  submit(std::move(fn));
}

void store_writer::submit(write_fn fn) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++next_seq_;
  queue_.push_back(std::move(fn));
  wake_.notify_one();
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

uint64_t store_writer::coalesced() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return coalesced_;
}

void store_writer::flush() {
  std::unique_lock<std::mutex> guard{mtx_};
  auto target = ++next_seq_;
  drain_ = true;
  wake_.notify_one();
  durable_cv_.wait(guard, [&] { return durable_ >= target; });
}

void store_writer::write(std::vector<write_fn>& plain,
                         std::vector<records>& batch) {
  db_->begin();
  try {
    for (auto& fn : plain)
      fn(*db_);
    for (auto& r : batch) {
      if (r.row)
        db_->put_instance(*r.row, r.with_metadata);
      for (auto& kv : r.others)
        kv.second(*db_);
    }
    db_->commit();
  } catch (...) {
    db_->rollback();
    throw;
  }
}

bool store_writer::ready(clock_type_point now, clock_type_point& next) {
  if (!queue_.empty() || !urgent_.empty() || stopping_ || drain_)
    return true;
  while (!order_.empty()) {
    auto i = pending_.find(order_.front().second);
    if (i == pending_.end() || i->second.due != order_.front().first) {
      order_.pop_front(); // stale
      continue;
    }
    if (order_.front().first <= now)
      return true;
    next = order_.front().first;
    return false;
  }
  next = clock_type_point::max();
  return false;
}

void store_writer::take(clock_type_point now, std::vector<records>& out) {
  auto move_out = [&](std::unordered_map<std::string, records>::iterator i) {
    out.push_back(std::move(i->second));
    pending_.erase(i);
  };
  if (stopping_ || drain_) {
    for (auto i = pending_.begin(); i != pending_.end();)
      move_out(i++);
    order_.clear();
    urgent_.clear();
    return;
  }
  for (auto& key : urgent_)
    if (auto i = pending_.find(key); i != pending_.end())
      move_out(i);
  urgent_.clear();
  while (!order_.empty() && order_.front().first <= now) {
    auto i = pending_.find(order_.front().second);
    if (i != pending_.end() && i->second.due == order_.front().first)
      move_out(i);
    order_.pop_front();
  }
}

void store_writer::run() {
  pthread_setname_np(pthread_self(), "store-writer"); // for top -H, perf
  std::vector<write_fn> plain;
  std::vector<records> batch;
  for (;;) {
    uint64_t done = 0;
    bool last = false;
    {
      std::unique_lock<std::mutex> guard{mtx_};
      clock_type_point next;
      while (!ready(clock_type::now(), next)) {
        if (next == clock_type_point::max())
          wake_.wait(guard);
        else
          wake_.wait_until(guard, next);
      }
      plain.swap(queue_);
      take(clock_type::now(), batch);
      last = stopping_;
      drain_ = false;
      // Every urgent write numbered so far is in this batch.
      done = next_seq_;
    }
    auto writes = plain.size() + batch.size();
    auto began = clock_type::now();
    // A failed commit (disk full, I/O error) is retried: what waits for it
    // stays unanswered meanwhile, and nothing is lost or reordered.
    for (int failures = 0; !plain.empty() || !batch.empty(); ++failures) {
      try {
        write(plain, batch);
        break;
      } catch (const std::exception& e) {
        log::error("store", "cannot commit ", plain.size() + batch.size(),
                   " writes (attempt ", failures + 1, "): ", e.what());
        std::this_thread::sleep_for(std::chrono::milliseconds{
          std::min(5000, 100 << std::min(failures, 6))});
      }
    }
    std::chrono::duration<double> took = clock_type::now() - began;
    plain.clear();
    batch.clear();
    listener fn;
    commit_observer observe;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      durable_ = std::max(durable_, done);
      ++batches_;
      fn = listener_;
      observe = observer_;
    }
    durable_cv_.notify_all();
    if (observe && writes > 0)
      observe(writes, took);
    if (fn)
      fn(done);
    if (last)
      return;
  }
}

} // namespace vmforge
