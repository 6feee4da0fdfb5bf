#pragma once

#include <string>
#include <vector>

// The little XML the libvirt driver writes and reads: text escaped into
// the documents it defines, and elements and attributes found in the ones
// libvirt gives back (which libvirt formats itself, so a scan is enough).
namespace vmforge::xml {

/// `text` safe inside an element or a quoted attribute.
std::string escape(const std::string& text);

/// Each element <tag ...> or <tag .../> of `doc`, from its '<' to its '>'
/// (the start tag only).
std::vector<std::string> start_tags(const std::string& doc, const char* tag);

/// The whole of each element <tag ...>...</tag> (or <tag/>) of `doc`.
std::vector<std::string> elements(const std::string& doc, const char* tag);

/// The value of attribute `name` of a start tag (either quote), unescaped
/// for the five entities; empty if it has none.
std::string attribute(const std::string& start_tag, const char* name);

} // namespace vmforge::xml
