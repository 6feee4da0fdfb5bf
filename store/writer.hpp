#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <unordered_map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "store/database.hpp"

// The one writer of the database: a thread of its own (SQLite writes and
// fsyncs block), fed by the store actor.
//
// Group commit: whatever queued up while the previous commit ran goes into
// the next transaction, so durability costs one fsync per batch, not per
// request. Write-behind: an instance's records that change often (its row,
// its actions with their events) are kept by instance, and puts nobody
// waits for are written once they are `delay` old, so a build's quick
// succession of states costs one row write. Urgent puts (a client waits for them) and
// plain writes go into the next batch. Nothing a client was answered is
// deferred; what is deferred, recovery reconciles after a crash.
namespace vmforge {

class store_writer {
public:
  using write_fn = std::function<void(database&)>;
  /// Called on the writer thread after each commit with the number of the
  /// last urgent write now durable.
  using listener = std::function<void(uint64_t)>;
  /// Called on the writer thread after each transaction with the writes
  /// it held and how long it took to commit (metrics).
  using commit_observer
    = std::function<void(size_t, std::chrono::duration<double>)>;

  explicit store_writer(std::unique_ptr<database> db,
                        std::chrono::milliseconds delay
                        = std::chrono::milliseconds{100});
  /// Writes everything pending, then stops the thread.
  ~store_writer();
  store_writer(const store_writer&) = delete;
  store_writer& operator=(const store_writer&) = delete;

  void set_listener(listener fn);
  void set_commit_observer(commit_observer fn);

  /// The instance row, latest put wins (the metadata is rewritten if any
  /// put since the last write changed it).
  void put_instance(const instance& row, bool with_metadata, bool urgent);
  /// Another record of the instance (an action), named by `key`;
  /// deferred, latest put of the key wins.
  void put(const std::string& instance_id, const std::string& key,
           write_fn fn);
  /// Forgets the instance's pending puts and queues `fn` (its removal).
  void drop_instance(const std::string& id, write_fn fn);
  /// Queued for the next batch, in order.
  void submit(write_fn fn);

  /// The number an answer waits for: every urgent write so far.
  uint64_t last_queued() const;
  uint64_t last_durable() const;
  /// Writes everything pending, deferred puts included, and waits for it.
  void flush();

  /// Transactions committed and record writes saved by coalescing.
  uint64_t batches() const;
  uint64_t coalesced() const;

private:
  using clock_type_point = std::chrono::steady_clock::time_point;

  /// What is pending for one instance.
  struct records {
    clock_type_point due;
    bool urgent = false;
    std::optional<instance> row;
    bool with_metadata = false;
    std::vector<std::pair<std::string, write_fn>> others;
  };

  /// The instance's pending records (due in `delay` if new).
  records& pending_for(const std::string& id);
  /// Whether a batch is due now; else when the next deferred put is.
  bool ready(clock_type_point now, clock_type_point& next);
  void take(clock_type_point now, std::vector<records>& out);
  void run();
  void write(std::vector<write_fn>& plain, std::vector<records>& batch);

  std::unique_ptr<database> db_;
  const std::chrono::milliseconds delay_;
  mutable std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable durable_cv_;
  std::vector<write_fn> queue_;
  std::unordered_map<std::string, records> pending_;
  /// Instances in the order they became pending (so by due time); an entry
  /// is stale once its instance was written (and maybe pending again).
  std::deque<std::pair<clock_type_point, std::string>> order_;
  /// Instances put urgently since the last batch.
  std::vector<std::string> urgent_;
  bool drain_ = false;
  bool stopping_ = false;
  uint64_t next_seq_ = 0;
  uint64_t durable_ = 0;
  uint64_t batches_ = 0;
  uint64_t coalesced_ = 0;
  listener listener_;
  commit_observer observer_;
  std::thread thread_;
};

} // namespace vmforge
