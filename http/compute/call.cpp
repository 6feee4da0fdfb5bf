#include "http/compute/call.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "messages/errors.hpp"
#include "util/log.hpp"

namespace vmforge::http {

namespace json = boost::json;

std::string call::param(const std::string& name) const {
  auto i = query.find(name);
  return i == query.end() ? std::string{} : i->second;
}

bool call::has_param(const std::string& name) const {
  return query.count(name) != 0;
}

namespace {

void send(const call_ptr& c, unsigned status, std::string body,
          bool is_json) {
  response res{static_cast<beast_http::status>(status), c->req.version()};
  set_request_id(res, c->request_id);
  if (c->versioned) {
    res.set("OpenStack-API-Version", "compute " + c->version.str());
    res.set("X-OpenStack-Nova-API-Version", c->version.str());
    res.set(beast_http::field::vary,
            "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
  }
  if (is_json)
    res.set(beast_http::field::content_type, "application/json");
  for (auto& h : c->headers)
    res.set(h.first, h.second);
  res.body() = std::move(body);
  auto ms = std::chrono::duration<double, std::milli>(
              std::chrono::steady_clock::now() - c->started)
              .count();
  // Nova's context prefix: [request-id user project]. Bodies (adminPass,
  // user_data) and headers (tokens) are never logged.
  auto or_dash = [](const std::string& s) { return s.empty() ? "-" : s; };
  log::info("api", "[", c->request_id, " ", or_dash(c->ctx.user_id), " ",
            or_dash(c->ctx.project_id), "] ", c->req.method_string(), " ",
            c->req.target(), " status: ", status, " len: ",
            res.body().size(), " time: ", ms / 1000.0);
  respond(c, std::move(res));
}

} // namespace

void set_request_id(response& res, const std::string& id) {
  res.set("x-openstack-request-id", id);
  // Nova's compute_req_id middleware sends the same id under its own name.
  res.set("x-compute-request-id", id);
}

void respond(const call_ptr& c, response res) {
  if (c->metrics)
    c->metrics->observe(std::string{c->req.method_string()},
                        c->route, res.result_int(),
                        metrics::seconds_since(c->started));
  c->done(std::move(res));
}

void reply_json(const call_ptr& c, unsigned status, json::value body) {
  send(c, status, json::serialize(body), true);
}

void reply_empty(const call_ptr& c, unsigned status) {
  send(c, status, {}, false);
}

void reply_error(const call_ptr& c, unsigned status,
                 const std::string& message) {
  reply_json(c, status, fault_body(status, message));
}

namespace {

// The one place a domain error becomes a status: Nova's API maps its
// exceptions as the comments say (Invalid 400, NotFound 404, ...).
unsigned status_of(errc code) {
  switch (code) {
    case errc::invalid_input:
    case errc::invalid_aggregate_action_delete:
    case errc::invalid_aggregate_action_update:
    case errc::invalid_aggregate_action_update_meta:
    case errc::security_group_exists: // an Invalid in Nova
    // What servers.py's create catches and answers 400 with the
    // exception's message (INVALID_FLAVOR_IMAGE_EXCEPTIONS and its own
    // list), wherever else they come from too.
    case errc::image_not_active:
    case errc::image_bad_request:
    case errc::image_unacceptable:
    case errc::invalid_image_config_drive:
    case errc::invalid_machine_type:
    case errc::auto_disk_config_disabled:
    case errc::flavor_memory_too_small:
    case errc::flavor_disk_smaller_than_image:
    case errc::flavor_disk_smaller_than_min_disk:
    // A create's networks (servers.py answers these 400).
    case errc::network_not_found:
    case errc::port_not_found:
    case errc::fixed_ip_already_in_use:
    case errc::fixed_ip_invalid:
      return 400;
    // Forbidden in Nova (BootFromVolumeRequiredForZeroDiskFlavor); Glance's
    // 401/403 and 413, which Nova's image API turns into these.
    case errc::zero_disk_flavor:
    case errc::image_not_authorized:
    case errc::image_quota_exceeded:
    case errc::policy_not_authorized:
    case errc::image_metadata_limit:
    case errc::over_quota:
    case errc::keypair_limit_exceeded:
    case errc::security_group_limit_exceeded:
    case errc::security_group_rule_limit_exceeded:
    case errc::server_group_limit_exceeded:
    case errc::group_member_limit_exceeded:
      return 403;
    case errc::instance_not_found:
    case errc::flavor_not_found:
    case errc::image_not_found:
    case errc::keypair_not_found:
    case errc::security_group_not_found:
    case errc::security_group_rule_not_found:
    case errc::instance_group_not_found:
    case errc::server_security_group_not_found:
    case errc::metadata_item_not_found:
    case errc::instance_tag_not_found:
    case errc::compute_host_not_found:
    case errc::host_binary_not_found:
    case errc::aggregate_not_found:
    case errc::aggregate_host_not_found:
    case errc::flavor_extra_specs_not_found:
    case errc::flavor_access_not_found:
    case errc::flavor_access_list_public:
      return 404;
    case errc::instance_invalid_state:
    case errc::unshelve_invalid_state:
    case errc::instance_is_locked:
    case errc::instance_not_ready:
    case errc::flavor_id_exists:
    case errc::flavor_exists:
    case errc::aggregate_name_exists:
    case errc::aggregate_host_exists:
    case errc::invalid_aggregate_action_add: // add_host's InvalidAggregateAction
    case errc::flavor_access_exists:
    case errc::flavor_access_public:
    case errc::keypair_exists:
    case errc::image_delete_conflict:
    case errc::network_ambiguous:
      return 409;
    case errc::service_unavailable:
    case errc::glance_connection_failed: // the image service is down
      return 503;
    case errc::no_valid_host:
    case errc::claim_failed:
    case errc::filter_not_found:
    case errc::incompatible_compute:
    case errc::compute_already_joined:
    case errc::no_more_fixed_ips: // a build's fault, never an API answer
    case errc::internal:
      break;
  }
  return 500;
}

} // namespace

void reply_error(const call_ptr& c, const caf::error& err) {
  if (err.category() == caf::atom("vmforge")) {
    auto status = status_of(static_cast<errc>(err.code()));
    if (status != 500) {
      reply_error(c, status, error_message(err));
      return;
    }
  }
  log::error("api", c->request_id, " internal error: ", caf::to_string(err));
  reply_error(c, 500,
              "Unexpected API Error. Please report this at "
              "http://bugs.launchpad.net/nova/ and attach the Nova API log if "
              "possible.");
}

void reply_bad_method(const call_ptr& c) {
  reply_error(c, 405, "The method is not allowed for this resource.");
}

void reply_no_route(const call_ptr& c) {
  c->route = "unmatched";
  reply_error(c, 404, "The resource could not be found.");
}

const json::object* json_body(const call_ptr& c, json::value& storage) {
  json::error_code ec;
  storage = json::parse(c->req.body(), ec);
  if (ec || !storage.is_object()) {
    reply_error(c, 400, "Malformed request body");
    return nullptr;
  }
  return &storage.as_object();
}

const json::object* allowed_json_body(const call_ptr& c, bool allowed,
                                      json::value& storage) {
  if (!allowed) {
    reply_bad_method(c);
    return nullptr;
  }
  return json_body(c, storage);
}

bool valid_spec_key(const std::string& key) {
  return !key.empty() && key.size() <= 255
         && std::all_of(key.begin(), key.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-'
                     || ch == '_' || ch == ':' || ch == '.' || ch == ' ';
            });
}

bool get_route(const call_ptr& c, size_t max_segments) {
  if (c->path.size() > max_segments) {
    reply_no_route(c);
    return false;
  }
  if (c->req.method() != beast_http::verb::get) {
    reply_bad_method(c);
    return false;
  }
  return true;
}

bool removed_at_2_36(const call_ptr& c) {
  if (c->version < api_version{2, 36})
    return false;
  reply_no_route(c);
  return true;
}

} // namespace vmforge::http
