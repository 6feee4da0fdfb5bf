// The APIs Nova removed and still routes, each method answering 410 Gone
// (nova/api/openstack/compute/{agents,cells,certificates,cloudpipe,
// fixed_ips,floating_ip_dns,floating_ips_bulk,fping,
// security_group_default_rules}.py); another method is 405 as Nova's
// router answers it.
#include <cstring>

#include "http/compute/ask.hpp"

namespace vmforge::http {

namespace {

struct removed_route {
  /// The path after /v2.1, "*" for any one segment.
  const char* path;
  const char* methods;
};

// routes.py's entries for them.
constexpr removed_route removed_routes[] = {
  {"os-agents", "GET POST"},
  {"os-agents/*", "PUT DELETE"},
  {"os-cells", "GET POST"},
  {"os-cells/capacities", "GET"},
  {"os-cells/detail", "GET"},
  {"os-cells/info", "GET"},
  {"os-cells/sync_instances", "POST"},
  {"os-cells/*", "GET PUT DELETE"},
  {"os-cells/*/capacities", "GET"},
  {"os-certificates", "POST"},
  {"os-certificates/*", "GET"},
  {"os-cloudpipe", "GET POST"},
  {"os-cloudpipe/*", "PUT"},
  {"os-fixed-ips/*", "GET"},
  {"os-fixed-ips/*/action", "POST"},
  {"os-floating-ip-dns", "GET"},
  {"os-floating-ip-dns/*", "PUT DELETE"},
  {"os-floating-ip-dns/*/entries/*", "GET PUT DELETE"},
  {"os-floating-ips-bulk", "GET POST"},
  {"os-floating-ips-bulk/*", "GET PUT"},
  {"os-fping", "GET"},
  {"os-fping/*", "GET"},
  {"os-security-group-default-rules", "GET POST"},
  {"os-security-group-default-rules/*", "GET DELETE"},
};

bool matches(const char* pattern, const std::vector<std::string>& path) {
  size_t i = 0;
  for (auto p = pattern; *p != '\0'; ++i) {
    auto end = std::strchr(p, '/');
    auto len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (i >= path.size())
      return false;
    std::string segment{p, len};
    if (segment != "*" && segment != path[i])
      return false;
    p += len + (end ? 1 : 0);
  }
  return i == path.size();
}

// The first matching route in the table's order: literal segments come
// before the "*" beside them, as in routes.py.
const removed_route* find_route(const std::vector<std::string>& path) {
  for (auto& r : removed_routes)
    if (matches(r.path, path))
      return &r;
  return nullptr;
}

bool allows(const removed_route& r, const std::string& method) {
  std::string methods = std::string{" "} + r.methods + " ";
  return methods.find(" " + method + " ") != std::string::npos;
}

} // namespace

void route_removed(compute_api&, const call_ptr& c) {
  auto r = find_route(c->path);
  if (r == nullptr) {
    reply_no_route(c);
    return;
  }
  if (!allows(*r, std::string{c->req.method_string()})) {
    reply_bad_method(c);
    return;
  }
  // webob's HTTPGone, which Nova's stubs raise: its explanation as the
  // fault's message.
  reply_error(c, 410, "This resource is no longer available.  No forwarding "
                      "address is given.");
}

} // namespace vmforge::http
