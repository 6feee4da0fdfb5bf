#include "bench/vmforge_bench/scenarios.hpp"

#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace vmforge::bench {

namespace {

constexpr int readable_servers = 16; // read-mix: servers the readers show

class runner {
public:
  runner(boost::asio::io_context& io, const options& opts)
    : io_(io), opts_(opts), http_(io, opts, stats_), api_(io, http_, opts, stats_),
      monitor_(io, stats_, *opts.progress) {
  }

  stats run() {
    if (opts_.scenario == "read-mix")
      read_mix();
    else if (opts_.scenario == "burst")
      burst();
    else
      measure();
    io_.run();
    return measured_;
  }

private:
  using step = std::function<void(compute::done_fn)>;

  void begin() {
    stats_.start = bench_clock::now();
    deadline_ = stats_.start + opts_.duration;
    monitor_.start();
  }

  void measure() {
    begin();
    if (opts_.scenario == "versions")
      closed_loop(opts_.concurrency, [this](auto done) { api_.versions(std::move(done)); });
    else if (opts_.scenario == "boot-and-delete")
      closed_loop(opts_.concurrency, [this](auto done) { api_.boot_and_delete(std::move(done)); });
    else
      steady();
  }

  // The measured part is over when the last worker has finished; the
  // clean-up comes after the snapshot.
  void worker_done() {
    if (--workers_ != 0)
      return;
    stats_.end = bench_clock::now();
    monitor_.stop();
    measured_ = stats_;
    if (cleanup_)
      cleanup_();
  }

  bool more() {
    if (opts_.count > 0 && started_ >= opts_.count)
      return false;
    return bench_clock::now() < deadline_;
  }

  // `n` workers, each starting the next `s` when its last one finished.
  void closed_loop(int n, step s) {
    workers_ += n;
    for (int i = 0; i < n; ++i)
      loop(s);
  }

  void loop(step s) {
    if (!more())
      return worker_done();
    ++started_;
    s([this, s](bool) { loop(s); });
  }

  // Cycles started on a fixed schedule (start + k / rate), each its own
  // worker: a slow answer delays nothing that comes after it.
  void steady() {
    ++workers_; // the schedule itself
    schedule(std::make_shared<boost::asio::steady_timer>(io_), 0);
  }

  void schedule(std::shared_ptr<boost::asio::steady_timer> timer, long k) {
    auto at = stats_.start + std::chrono::duration_cast<bench_clock::duration>(
                               std::chrono::duration<double>(k / opts_.rate));
    if (at >= deadline_)
      return worker_done();
    timer->expires_at(at);
    timer->async_wait([this, timer, k](boost::system::error_code) {
      ++workers_;
      ++started_;
      api_.boot_and_delete([this](bool) { worker_done(); });
      schedule(timer, k + 1);
    });
  }

  // Every create is sent at once (they queue for the connections); the
  // burst is over when each server is ACTIVE or has failed.
  void burst() {
    begin();
    auto ids = std::make_shared<std::vector<std::string>>();
    cleanup_ = [this, ids] { delete_all(*ids); };
    workers_ = opts_.count;
    for (long i = 0; i < opts_.count; ++i) {
      auto start = bench_clock::now();
      api_.create([this, ids, start](bool ok, const std::string& id) {
        if (!ok)
          return burst_done();
        ids->push_back(id);
        api_.wait_active(id, start, [this](bool) { burst_done(); });
      });
    }
  }

  void burst_done() {
    if (workers_ == 1)
      stats_.all_active.add(bench_clock::now() - stats_.start);
    worker_done();
  }

  void delete_all(const std::vector<std::string>& ids) {
    for (auto& id : ids)
      api_.remove(id, [](bool) {});
  }

  // Readers show a few servers made beforehand and list, while as many
  // boot-and-delete cycles run.
  void read_mix() {
    auto ids = std::make_shared<std::vector<std::string>>();
    auto pending = std::make_shared<int>(readable_servers);
    auto made = [this, ids, pending](bool) {
      if (--*pending == 0)
        read_mix_measure(ids);
    };
    for (int i = 0; i < readable_servers; ++i) {
      api_.create([this, ids, made](bool ok, const std::string& id) {
        if (!ok)
          return made(false);
        ids->push_back(id);
        api_.wait_active(id, bench_clock::now(), made);
      });
    }
  }

  void read_mix_measure(std::shared_ptr<std::vector<std::string>> ids) {
    // The set-up's calls are not part of the figures; its failures are.
    auto alive = stats_.inflight_servers;
    auto errors = std::move(stats_.errors);
    stats_ = stats{};
    stats_.inflight_servers = alive;
    stats_.errors = std::move(errors);
    cleanup_ = [this, ids] { delete_all(*ids); };
    begin();
    closed_loop(opts_.concurrency, [this](auto done) { api_.boot_and_delete(std::move(done)); });
    auto pick = std::make_shared<std::minstd_rand>(1);
    auto reads = std::make_shared<long>(0);
    closed_loop(opts_.concurrency, [this, ids, pick, reads](auto done) {
      if (ids->empty() || ++*reads % 2 == 0)
        return api_.list(std::move(done));
      api_.show((*ids)[(*pick)() % ids->size()], std::move(done));
    });
  }

  boost::asio::io_context& io_;
  const options& opts_;
  stats stats_;
  stats measured_;
  client http_;
  compute api_;
  monitor monitor_;
  bench_clock::time_point deadline_;
  long workers_ = 0;
  long started_ = 0;
  std::function<void()> cleanup_;
};

} // namespace

stats run_scenario(boost::asio::io_context& io, const options& opts) {
  return runner{io, opts}.run();
}

} // namespace vmforge::bench
