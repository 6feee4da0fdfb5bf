#pragma once

#include "bench/vmforge_bench/stats.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vmforge::bench {

/// Samples the counters into the timeline every 250 ms and, when asked,
/// rewrites a progress line on stderr every second.
class monitor {
public:
  monitor(boost::asio::io_context& io, stats& st, bool progress);
  void start();
  /// The last sample and the end of the progress line.
  void stop();

private:
  void tick();
  void print_progress();

  boost::asio::steady_timer timer_;
  stats& stats_;
  bool progress_;
  bool running_ = false;
  long ticks_ = 0;
};

} // namespace vmforge::bench
