#include "drivers/libvirt/xml.hpp"

#include <cctype>

namespace vmforge::xml {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// Where the next <tag (followed by a space, '/' or '>') starts, from `from`.
size_t find_tag(const std::string& doc, const std::string& open, size_t from) {
  for (auto at = doc.find(open, from); at != std::string::npos;
       at = doc.find(open, at + 1)) {
    auto next = at + open.size();
    if (next < doc.size()
        && (std::isspace(static_cast<unsigned char>(doc[next]))
            || doc[next] == '/' || doc[next] == '>'))
      return at;
  }
  return std::string::npos;
}

std::string unescape(const std::string& s) {
  static const std::pair<const char*, char> entities[] = {
    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&apos;", '\''},
    {"&quot;", '"'}};
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto matched = false;
    for (auto& [name, c] : entities)
      if (s.compare(i, std::char_traits<char>::length(name), name) == 0) {
        out += c;
        i += std::char_traits<char>::length(name);
        matched = true;
        break;
      }
    if (!matched)
      out += s[i++];
  }
  return out;
}

} // namespace

std::vector<std::string> start_tags(const std::string& doc, const char* tag) {
  std::vector<std::string> out;
  auto open = "<" + std::string{tag};
  for (auto at = find_tag(doc, open, 0); at != std::string::npos;
       at = find_tag(doc, open, at + 1)) {
    auto end = doc.find('>', at);
    if (end == std::string::npos)
      break;
    out.push_back(doc.substr(at, end - at + 1));
  }
  return out;
}

std::vector<std::string> elements(const std::string& doc, const char* tag) {
  std::vector<std::string> out;
  auto open = "<" + std::string{tag};
  auto close = "</" + std::string{tag} + ">";
  for (auto at = find_tag(doc, open, 0); at != std::string::npos;) {
    auto end = doc.find('>', at);
    if (end == std::string::npos)
      break;
    if (doc[end - 1] != '/') {
      // libvirt does not nest an element in one of its own name.
      auto closing = doc.find(close, end);
      end = closing == std::string::npos ? doc.size() - 1
                                         : closing + close.size() - 1;
    }
    out.push_back(doc.substr(at, end - at + 1));
    at = find_tag(doc, open, end);
  }
  return out;
}

std::string attribute(const std::string& start_tag, const char* name) {
  auto key = " " + std::string{name} + "=";
  for (auto at = start_tag.find(key); at != std::string::npos;
       at = start_tag.find(key, at + 1)) {
    auto q = at + key.size();
    if (q >= start_tag.size() || (start_tag[q] != '\'' && start_tag[q] != '"'))
      continue;
    auto end = start_tag.find(start_tag[q], q + 1);
    if (end == std::string::npos)
      return {};
    return unescape(start_tag.substr(q + 1, end - q - 1));
  }
  return {};
}

} // namespace vmforge::xml
