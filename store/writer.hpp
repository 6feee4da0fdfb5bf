#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "store/database.hpp"

// The one writer of the database: a thread of its own (SQLite writes and
// fsyncs block), fed by the store and API handler actors. Every write is
// numbered; whatever queued up while the previous commit ran goes into the
// next transaction (group commit), so durability costs one fsync per batch,
// not per request.
namespace vmforge {

class store_writer {
public:
  using write_fn = std::function<void(database&)>;
  /// Called on the writer thread after each commit with the number of the
  /// last write now durable.
  using listener = std::function<void(uint64_t)>;

  explicit store_writer(std::unique_ptr<database> db);
  /// Commits what is queued, then stops the thread.
  ~store_writer();
  store_writer(const store_writer&) = delete;
  store_writer& operator=(const store_writer&) = delete;

  void set_listener(listener fn);

  /// Queues an instance row. Of several puts of one row waiting in the same
  /// batch only the last is written: a build's quick succession of states
  /// costs one row write.
  uint64_t put_instance(const instance& row, bool with_metadata);
  uint64_t submit(write_fn fn);

  uint64_t last_queued() const;
  uint64_t last_durable() const;
  /// Blocks until everything queued so far is durable.
  void flush();

  /// Batches and rows written so far (for tests and the bench).
  uint64_t batches() const;

private:
  struct pending {
    uint64_t seq;
    std::optional<instance> row;
    bool with_metadata = false;
    write_fn fn;
  };

  uint64_t enqueue(pending p);
  void run();
  void write(std::vector<pending>& batch);

  std::unique_ptr<database> db_;
  mutable std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable durable_cv_;
  std::vector<pending> queue_;
  uint64_t next_seq_ = 0;
  uint64_t durable_ = 0;
  uint64_t batches_ = 0;
  bool stopping_ = false;
  listener listener_;
  std::thread thread_;
};

} // namespace vmforge
