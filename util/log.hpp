#pragma once

#include <sstream>
#include <string>

// A small stderr (and optionally file) logger: CAF 0.17 as Debian builds it compiles its own log
// macros away, and every stage needs timestamped, levelled lines.
namespace vmforge::log {

enum class level { debug = 0, info = 1, warning = 2, error = 3 };

void set_level(level lvl);
/// Also append every line to `path` (oslo.log's log_file); false if it
/// cannot be opened.
bool set_file(const std::string& path);
bool enabled(level lvl);
void write(level lvl, const std::string& component, const std::string& text);

template <class... Ts>
void emit(level lvl, const char* component, const Ts&... xs) {
  if (!enabled(lvl))
    return;
  std::ostringstream out;
  (out << ... << xs);
  write(lvl, component, out.str());
}

template <class... Ts>
void debug(const char* component, const Ts&... xs) {
  emit(level::debug, component, xs...);
}
template <class... Ts>
void info(const char* component, const Ts&... xs) {
  emit(level::info, component, xs...);
}
template <class... Ts>
void warning(const char* component, const Ts&... xs) {
  emit(level::warning, component, xs...);
}
template <class... Ts>
void error(const char* component, const Ts&... xs) {
  emit(level::error, component, xs...);
}

} // namespace vmforge::log
