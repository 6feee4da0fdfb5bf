#pragma once

#include "bench/vmforge_bench/client.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>

namespace vmforge::bench {

/// The Compute API calls of the scenarios, and the two waits of Rally's
/// boot_and_delete_server: polling one server until ACTIVE, then until
/// its GET answers 404. Unexpected answers are counted as errors in
/// `stats` here, so a scenario only learns whether a step succeeded.
class compute {
public:
  using done_fn = std::function<void(bool ok)>;
  using created_fn = std::function<void(bool ok, const std::string& id)>;

  compute(boost::asio::io_context& io, client& http, const options& opts, stats& st);

  void create(created_fn done);
  /// Polls until ACTIVE (ok) or ERROR / `build_timeout` after `since`.
  void wait_active(const std::string& id, bench_clock::time_point since, done_fn done);
  void remove(const std::string& id, done_fn done);
  /// Polls until 404 or `build_timeout` after `since`.
  void wait_gone(const std::string& id, bench_clock::time_point since, done_fn done);
  void list(done_fn done);
  void show(const std::string& id, done_fn done);
  void versions(done_fn done);

  /// create, wait_active, remove, wait_gone; the cycle's figures go to stats.
  void boot_and_delete(done_fn done);

private:
  void expect(const reply& r, int status, done_fn& done);
  void poll(const std::string& id, bench_clock::time_point since, bool gone, done_fn done);
  void after_poll_interval(std::function<void()> next);

  boost::asio::io_context& io_;
  client& http_;
  const options& opts_;
  stats& stats_;
  std::string create_body_;
};

} // namespace vmforge::bench
