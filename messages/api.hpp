#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/instance.hpp"

// Requests to the API handler: what an HTTP request turns into once parsed.
namespace vmforge {

/// Who is calling (Nova's RequestContext).
struct request_context {
  std::string user_id;
  std::string project_id;
  bool is_admin = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_context& x) {
  return f(caf::meta::type_name("request_context"), x.user_id, x.project_id,
           x.is_admin);
}

/// POST /servers, after schema validation.
struct create_servers {
  request_context ctx;
  std::string name;
  std::string flavor_ref;
  std::string image_ref;
  std::string availability_zone;
  std::map<std::string, std::string> metadata;
  int64_t min_count = 1;
  int64_t max_count = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_servers& x) {
  return f(caf::meta::type_name("create_servers"), x.ctx, x.name, x.flavor_ref,
           x.image_ref, x.availability_zone, x.metadata, x.min_count,
           x.max_count);
}

struct servers_created {
  std::string reservation_id;
  std::vector<std::string> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, servers_created& x) {
  return f(caf::meta::type_name("servers_created"), x.reservation_id, x.ids);
}

/// DELETE /servers/{id}.
struct delete_server {
  request_context ctx;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_server& x) {
  return f(caf::meta::type_name("delete_server"), x.ctx, x.id);
}

/// The answer to a request that was accepted and goes on asynchronously.
struct accepted {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, accepted& x) {
  return f(caf::meta::type_name("accepted"), x.id);
}

/// GET /servers/{id}.
struct show_server {
  request_context ctx;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, show_server& x) {
  return f(caf::meta::type_name("show_server"), x.ctx, x.id);
}

/// GET /servers[/detail].
struct list_servers {
  request_context ctx;
  bool all_tenants = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_servers& x) {
  return f(caf::meta::type_name("list_servers"), x.ctx, x.all_tenants);
}

struct instance_list {
  std::vector<instance> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, instance_list& x) {
  return f(caf::meta::type_name("instance_list"), x.items);
}

} // namespace vmforge
