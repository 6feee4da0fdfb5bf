#pragma once

#include <cstdint>
#include <string>

namespace vmforge {

/// A random (version 4) UUID in its canonical 36-character form.
std::string make_uuid();

/// True for the canonical 8-4-4-4-12 hexadecimal form.
bool is_uuid(const std::string& text);

/// A stable 64-bit hash of the inputs, for seeded decisions that must not
/// depend on thread interleaving (fault injection, tie breaking).
uint64_t stable_hash(uint64_t seed, const std::string& a,
                     const std::string& b = {});

} // namespace vmforge
