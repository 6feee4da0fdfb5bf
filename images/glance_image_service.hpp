#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "images/http_client.hpp"
#include "images/image_service.hpp"

namespace vmforge::images {

/// Told of every HTTP request to Glance: the call (show, list, download,
/// create, update, upload, delete), the HTTP status as text or
/// "connect_error" (no answer), and the seconds it took (a download's
/// until its last byte). Called on the calling thread. Metrics hang here
/// (app/pipeline.cpp), so that images/ knows nothing of Prometheus.
using request_observer = std::function<void(
  const std::string& call, const std::string& code, double seconds)>;

/// What the configuration does not say (tests shorten them).
struct glance_tuning {
  /// Between two attempts of a call (Nova's time.sleep(1)).
  std::chrono::milliseconds retry_delay{1000};
  /// Seeds the shuffle of api_servers; 0: from the OS.
  uint64_t seed = 0;
};

/// A Keystone v3 service user (password authentication): its token, kept
/// until five minutes before it expires. Thread-safe.
class service_token {
public:
  service_token(http_client& client, const glance_options& opts);

  /// The cached token, or a new one (POST {auth_url}/v3/auth/tokens).
  /// Throws image_error{not_authorized} if Keystone refuses the user,
  /// {connection_failed} if it cannot be reached.
  std::string get(const char* call);
  /// Forgets `token` (Glance answered 401 to it), unless a newer one is
  /// already cached.
  void invalidate(const std::string& token);

private:
  http_client& client_;
  const glance_options& opts_;
  http_url endpoint_;
  std::string target_;
  std::mutex mtx_;
  std::string token_;
  std::chrono::system_clock::time_point refresh_at_;
};

/// The image service over a real Glance v2 (docs/images.md): Nova's
/// nova/image/glance.py GlanceImageServiceV2 and GlanceClientWrapper.
///
/// - Servers: [glance] api_servers, shuffled once, then taken in turn, one
///   per attempt. An attempt that gets no answer (refused, reset, timed
///   out) or a 503 is retried num_retries times, retry_delay apart; then
///   image_errc::connection_failed.
/// - Tokens: the caller's (image_auth::token) as X-Auth-Token; without one
///   the service user's if [glance] auth_type = password (re-authenticated
///   once on a 401), else none (a noauth Glance).
/// - A call without the caller's token sees what Nova's
///   _is_image_available lets it see (image_available): a noauth Glance
///   shows everything.
/// - Glance's answers become image_errc as Nova's
///   _translate_image_exception sorts them; every failure is logged with
///   Glance's x-openstack-request-id and the first line of its message,
///   which the error's text carries too.
class glance_image_service : public image_service {
public:
  /// Throws std::invalid_argument for an unusable api_servers or auth_url
  /// (the configuration checks them first).
  glance_image_service(glance_options opts, request_observer observer = {},
                       glance_tuning tuning = {});
  ~glance_image_service() override;

  image show(const image_auth& auth, const std::string& id) override;
  std::vector<image> list(const image_auth& auth, const list_query& q) override;
  download_result download(const image_auth& auth, const image& img,
                           int fd) override;
  image create(const image_auth& auth, const image_create& req) override;
  image update(const image_auth& auth, const std::string& id,
               const image_update& req) override;
  void upload(const image_auth& auth, const std::string& id, int fd,
              int64_t size) override;
  void remove(const image_auth& auth, const std::string& id) override;
  /// Nova's generate_image_url: "<an api server>/images/<id>".
  std::string image_url(const std::string& id) const override;

private:
  struct call_spec;

  /// One call with its retries; answers the 2xx response, throws
  /// image_error for anything else.
  http_response call(const call_spec& spec, const image_auth& auth,
                      const body_sink& sink = {});
  const http_url& next_server() const;

  glance_options opts_;
  request_observer observer_;
  glance_tuning tuning_;
  std::vector<std::string> servers_text_;
  std::vector<http_url> servers_;
  mutable std::atomic<size_t> next_{0};
  std::unique_ptr<http_client> client_;
  std::unique_ptr<service_token> service_;
};

/// A Glance v2 image record (the JSON object of GET /v2/images/{id}) as an
/// image: base keys to fields (null: empty, -1 for sizes), every other
/// top-level key into `properties` as a string (Nova's
/// _extract_attributes_v2). Throws std::invalid_argument if it is not an
/// object with an id.
image image_from_glance(const std::string& json);

} // namespace vmforge::images
