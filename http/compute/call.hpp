#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/value.hpp>
#include <caf/fwd.hpp>

#include "http/compute/microversion.hpp"
#include "http/compute/views.hpp"
#include "http/server.hpp"
#include "messages/context.hpp"
#include "metrics/registry.hpp"

// One Compute API request on its way through vmforge: what the router
// learnt about it, and how to answer it.
namespace vmforge::http {

struct call {
  request req;
  responder done;
  std::string request_id;
  api_version version;
  request_context ctx;
  link_base base;
  /// Path segments after /v2.1 and the optional project id.
  std::vector<std::string> path;
  std::multimap<std::string, std::string> query;
  std::chrono::steady_clock::time_point started;
  /// Compute endpoints echo the microversion headers; version documents do not.
  bool versioned = true;
  /// Sent with the answer (e.g. Location).
  std::vector<std::pair<std::string, std::string>> headers;
  /// The route template the metrics count the answer under
  /// (`/v2.1/servers/{id}`): never the raw path, so that label values stay
  /// few.
  std::string route = "unmatched";
  /// Null: not counted.
  metrics::api_metrics* metrics = nullptr;

  /// The first value of a query parameter, or "".
  std::string param(const std::string& name) const;
  bool has_param(const std::string& name) const;
};

using call_ptr = std::shared_ptr<call>;

/// x-openstack-request-id and x-compute-request-id, both `id` (req-<uuid>).
void set_request_id(response& res, const std::string& id);

/// Sends the answer and counts it in the metrics.
void respond(const call_ptr& c, response res);

void reply_json(const call_ptr& c, unsigned status, boost::json::value body);
void reply_empty(const call_ptr& c, unsigned status);
void reply_error(const call_ptr& c, unsigned status, const std::string& message);
/// Answers a domain error (messages/errors.hpp) with the status Nova's API
/// gives it and its message; anything else is a logged 500.
void reply_error(const call_ptr& c, const caf::error& err);

/// 405 "The method is not allowed for this resource."
void reply_bad_method(const call_ptr& c);
/// 404 "The resource could not be found." (no such route)
void reply_no_route(const call_ptr& c);

/// A read-only resource's routes: false, answered, for a path deeper than
/// `max_segments` (404) or a method other than GET (405).
bool get_route(const call_ptr& c, size_t max_segments);

/// Nova's proxy APIs (os-security-groups, os-networks, ...) left the
/// Compute API at 2.36: from then on they answer 404, here.
bool removed_at_2_36(const call_ptr& c);

/// Nova's `marker`: the index after the item whose id (`id_of(item)`) it
/// is, 0 without one; nothing if no item has it (the caller answers 400
/// "marker [X] not found").
template <class Items, class IdOf>
std::optional<size_t> after_marker(const call_ptr& c, const Items& items,
                                   IdOf id_of) {
  if (!c->has_param("marker"))
    return size_t{0};
  auto marker = c->param("marker");
  for (size_t i = 0; i < items.size(); ++i)
    if (id_of(items[i]) == marker)
      return i + 1;
  return std::nullopt;
}

/// Parses the JSON body; on failure answers 400 and returns nullptr.
const boost::json::object* json_body(const call_ptr& c, boost::json::value& storage);
/// json_body of a request whose method the route takes (`allowed`), else
/// the 405; nullptr once answered.
const boost::json::object* allowed_json_body(const call_ptr& c, bool allowed,
                                             boost::json::value& storage);

/// Nova's metadata and extra-spec key pattern: ^[a-zA-Z0-9-_:. ]{1,255}$.
bool valid_spec_key(const std::string& key);

} // namespace vmforge::http
