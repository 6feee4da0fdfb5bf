#pragma once

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

namespace vmforge::test {

/// A variable the script that runs a hidden live case (`by`) sets; the
/// case fails, saying so, without it.
inline std::string live_env(const char* name, const char* by) {
  auto v = std::getenv(name);
  if (!v || !*v)
    FAIL(std::string{"set "} + name + " (" + by + " does)");
  return v;
}

} // namespace vmforge::test
