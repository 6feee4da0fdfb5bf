#pragma once

#include <stdexcept>
#include <string>

#include "config/options.hpp"

// The nova.conf-style configuration file (oslo.config's INI dialect):
// `[section]` headers, `key = value` lines, whole-line `#` or `;` comments.
// docs/configuration.md lists every section and option.
namespace vmforge {

/// A configuration error: names file, line and option; vmforged exits 2.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Reads a nova.conf-style INI file over `base` (the embedded defaults);
/// throws config_error.
options load_config_file(const std::string& path, options base);

/// Same, from text (tests); `name` is what messages call the file.
options parse_config(const std::string& text, const std::string& name,
                     options base);

/// The effective configuration as an INI file that parse_config reads back
/// to the same options (vmforged --print-config).
std::string print_config(const options& opts);

} // namespace vmforge
