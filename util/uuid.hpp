#pragma once

#include <cstdint>
#include <string>

namespace vmforge {

/// A random (version 4) UUID in its canonical 36-character form.
std::string make_uuid();

/// The name-based (version 5, SHA-1) UUID of `name` in the namespace
/// `ns` (a canonical UUID; any other text is taken as the namespace's
/// bytes): the same inputs give the same UUID, always.
std::string make_name_uuid(const std::string& ns, const std::string& name);

/// True for the canonical 8-4-4-4-12 hexadecimal form.
bool is_uuid(const std::string& text);

/// A stable 64-bit hash of the inputs, for seeded decisions that must not
/// depend on thread interleaving (fault injection, tie breaking).
uint64_t stable_hash(uint64_t seed, const std::string& a,
                     const std::string& b = {});

} // namespace vmforge
