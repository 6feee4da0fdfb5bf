#pragma once

#include <cstddef>

namespace vmforge {

/// The name of `x` in `names`, a table indexed by the enum's values: one
/// definition per enum instead of a switch. `Last` is the enum's last
/// value, so a table that misses a value does not compile.
template <auto Last, size_t N>
constexpr const char* enum_name(const char* const (&names)[N],
                                decltype(Last) x) {
  static_assert(N == static_cast<size_t>(Last) + 1,
                "one name per enum value");
  auto i = static_cast<size_t>(x);
  return i < N ? names[i] : "unknown";
}

} // namespace vmforge
