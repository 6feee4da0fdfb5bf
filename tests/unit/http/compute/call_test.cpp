#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <caf/sec.hpp>

#include "http/compute/call.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

// The status and body a call is answered with.
std::pair<unsigned, boost::json::value> answer(const caf::error& err) {
  auto c = std::make_shared<http::call>();
  c->req.version(11);
  c->started = std::chrono::steady_clock::now();
  http::response out;
  c->done = [&out](http::response res) { out = std::move(res); };
  http::reply_error(c, err);
  return {out.result_int(), boost::json::parse(out.body())};
}

} // namespace

TEST_CASE("a domain error is answered with Nova's status, fault name and "
          "message",
          "[http][errors]") {
  struct row {
    caf::error err;
    unsigned status;
    const char* fault;
  };
  row rows[] = {
    {nova_error(errc::instance_not_found, "abc"), 404, "itemNotFound"},
    {nova_error(errc::invalid_input, "min_count must be <= max_count"), 400,
     "badRequest"},
    {nova_error(errc::security_group_exists, "web"), 400, "badRequest"},
    {nova_error(errc::policy_not_authorized, "rule"), 403, "forbidden"},
    {nova_error(errc::over_quota, "cores", 4, 20, 20, "cores"), 403,
     "forbidden"},
    {nova_error(errc::instance_is_locked, "abc"), 409, "conflictingRequest"},
    {nova_error(errc::flavor_exists, "m1.tiny"), 409, "conflictingRequest"},
    {nova_error(errc::service_unavailable, "stopping"), 503,
     "serviceUnavailable"},
    // The image errors as Nova's create answers them (400), the zero-disk
    // flavor's Forbidden, a Glance that does not answer.
    {nova_error(errc::image_not_active, "abc"), 400, "badRequest"},
    {nova_error(errc::image_unacceptable, "abc", "why"), 400, "badRequest"},
    {nova_error(errc::flavor_memory_too_small), 400, "badRequest"},
    {nova_error(errc::flavor_disk_smaller_than_image, 1, 2), 400,
     "badRequest"},
    {nova_error(errc::flavor_disk_smaller_than_min_disk, 1, 2), 400,
     "badRequest"},
    {nova_error(errc::invalid_image_config_drive, "x"), 400, "badRequest"},
    {nova_error(errc::invalid_machine_type, "virt", "n", "abc", "why"), 400,
     "badRequest"},
    {nova_error(errc::auto_disk_config_disabled, "abc"), 400, "badRequest"},
    {nova_error(errc::image_bad_request, "abc", "400"), 400, "badRequest"},
    {nova_error(errc::zero_disk_flavor), 403, "forbidden"},
    {nova_error(errc::image_not_authorized, "abc"), 403, "forbidden"},
    {nova_error(errc::image_delete_conflict, "in use"), 409,
     "conflictingRequest"},
    {nova_error(errc::glance_connection_failed, "http://g:9292", "refused"),
     503, "serviceUnavailable"},
  };
  for (auto& r : rows) {
    auto [status, body] = answer(r.err);
    CHECK(status == r.status);
    auto& fault = body.as_object().at(r.fault).as_object();
    CHECK(fault.at("code").as_int64() == r.status);
    CHECK(fault.at("message").as_string() == error_message(r.err));
  }
}

TEST_CASE("an internal or unknown error is Nova's unexpected API error",
          "[http][errors]") {
  for (auto& err : {nova_error(errc::internal, "database: disk I/O error"),
                    nova_error(errc::no_valid_host, "x"),
                    caf::make_error(caf::sec::request_timeout)}) {
    auto [status, body] = answer(err);
    CHECK(status == 500);
    auto& msg = body.as_object().at("computeFault").at("message").as_string();
    CHECK(std::string{msg}.rfind("Unexpected API Error.", 0) == 0);
  }
}

TEST_CASE("metadata and extra-spec keys are Nova's pattern", "[call]") {
  CHECK(http::valid_spec_key("aggregate_instance_extra_specs:ssd"));
  CHECK(http::valid_spec_key("a-b_c.d e"));
  CHECK_FALSE(http::valid_spec_key(""));
  CHECK_FALSE(http::valid_spec_key("bad/key"));
  CHECK_FALSE(http::valid_spec_key(std::string(256, 'k')));
  CHECK(http::valid_spec_key(std::string(255, 'k')));
}
