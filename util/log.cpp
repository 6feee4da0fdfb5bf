#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace vmforge::log {

namespace {

std::atomic<int> current_level{static_cast<int>(level::info)};
// Set once at start, before other threads log.
std::FILE* log_file = nullptr;

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug:
      return "DEBUG";
    case level::info:
      return "INFO";
    case level::warning:
      return "WARNING";
    case level::error:
      return "ERROR";
  }
  return "?";
}

} // namespace

void set_level(level lvl) {
  current_level = static_cast<int>(lvl);
}

bool set_file(const std::string& path) {
  auto f = std::fopen(path.c_str(), "a");
  if (f == nullptr)
    return false;
  // Line-buffered: a line is in the file as soon as it is written.
  std::setvbuf(f, nullptr, _IOLBF, 0);
  log_file = f;
  return true;
}

bool enabled(level lvl) {
  return static_cast<int>(lvl) >= current_level.load(std::memory_order_relaxed);
}

void write(level lvl, const std::string& component, const std::string& text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
  // One fprintf per line keeps lines from different threads whole.
  for (auto out : {stderr, log_file})
    if (out != nullptr)
      std::fprintf(out, "%s.%03d %s %s %s\n", stamp, static_cast<int>(millis),
                   level_name(lvl), component.c_str(), text.c_str());
}

} // namespace vmforge::log
