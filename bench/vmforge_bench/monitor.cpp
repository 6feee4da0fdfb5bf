#include "bench/vmforge_bench/monitor.hpp"

#include <cstdio>

namespace vmforge::bench {

namespace {
constexpr auto interval = std::chrono::milliseconds{250};
constexpr long ticks_per_line = 4;
} // namespace

monitor::monitor(boost::asio::io_context& io, stats& st, bool progress)
  : timer_(io), stats_(st), progress_(progress) {
}

void monitor::start() {
  running_ = true;
  stats_.timeline.push_back(stats_.now());
  timer_.expires_after(interval);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      tick();
  });
}

void monitor::tick() {
  if (!running_)
    return;
  stats_.timeline.push_back(stats_.now());
  if (progress_ && ++ticks_ % ticks_per_line == 0)
    print_progress();
  timer_.expires_at(timer_.expiry() + interval);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      tick();
  });
}

void monitor::print_progress() {
  auto& tl = stats_.timeline;
  auto& now = tl.back();
  auto& before = tl[tl.size() > ticks_per_line ? tl.size() - 1 - ticks_per_line : 0];
  double dt = now.t - before.t;
  std::fprintf(stderr,
               "\r%6.1f s  %7.0f req/s  %6.0f builds/s  builds %ld  cycles %ld"
               "  in flight: %ld requests, %ld servers  errors %ld   ",
               now.t, dt > 0 ? (now.requests - before.requests) / dt : 0.0,
               dt > 0 ? (now.builds - before.builds) / dt : 0.0, now.builds,
               now.cycles, now.inflight_requests, now.inflight_servers,
               stats_.error_count());
}

void monitor::stop() {
  if (!running_)
    return;
  running_ = false;
  timer_.cancel();
  stats_.timeline.push_back(stats_.now());
  if (progress_)
    std::fputc('\n', stderr);
}

} // namespace vmforge::bench
