#include "images/glance_image_service.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <unistd.h>

#include <boost/json.hpp>
#include <openssl/evp.h>

#include "images/catalog_image_service.hpp"
#include "util/digest.hpp"
#include "util/log.hpp"

namespace json = boost::json;

namespace vmforge::images {

namespace {

constexpr const char* log_name = "glance";
constexpr const char* json_type = "application/json";
constexpr const char* patch_type =
  "application/openstack-images-v2.1-json-patch";

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

// Glance v2's base image attributes (docs/images.md A.2): every other
// top-level key is a property.
const std::set<std::string>& base_keys() {
  static const std::set<std::string> keys = {
    "id",          "name",           "status",       "visibility",
    "protected",   "os_hidden",      "checksum",     "os_hash_algo",
    "os_hash_value", "owner",        "size",         "virtual_size",
    "min_ram",     "min_disk",       "disk_format",  "container_format",
    "created_at",  "updated_at",     "tags",         "self",
    "file",        "schema",         "locations",    "direct_url",
    // Read-only where Glance has several stores (enabled_backends).
    "stores"};
  return keys;
}

std::string text_of(const json::value& v) {
  if (v.is_string())
    return std::string{v.get_string()};
  if (v.is_null())
    return {};
  return json::serialize(v);
}

int64_t int_of(const json::value& v, int64_t if_null) {
  if (v.is_null())
    return if_null;
  return v.to_number<int64_t>();
}

image from_object(const json::object& o) {
  auto at = [&](const char* key) -> const json::value& {
    static const json::value null;
    auto i = o.find(key);
    return i == o.end() ? null : i->value();
  };
  if (!at("id").is_string())
    throw std::invalid_argument("an image record without an id");
  image i;
  i.id = text_of(at("id"));
  i.name = text_of(at("name"));
  i.file.clear();
  i.status = text_of(at("status"));
  i.visibility = text_of(at("visibility"));
  i.owner = text_of(at("owner"));
  i.disk_format = text_of(at("disk_format"));
  i.container_format = text_of(at("container_format"));
  i.size = int_of(at("size"), -1);
  i.virtual_size = int_of(at("virtual_size"), -1);
  i.min_ram_mb = int_of(at("min_ram"), 0);
  i.min_disk_gb = int_of(at("min_disk"), 0);
  i.checksum = text_of(at("checksum"));
  i.os_hash_algo = text_of(at("os_hash_algo"));
  i.os_hash_value = text_of(at("os_hash_value"));
  i.is_protected = at("protected").is_bool() && at("protected").get_bool();
  i.created_at = text_of(at("created_at"));
  i.updated_at = text_of(at("updated_at"));
  for (auto& kv : o) {
    std::string key{kv.key()};
    if (base_keys().count(key) == 0 && !kv.value().is_null())
      i.properties[key] = text_of(kv.value());
  }
  return i;
}

json::object parse_object(const std::string& body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    throw std::invalid_argument("not a JSON object");
  return std::move(v.as_object());
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// What Glance says went wrong, on one line (A.10): the JSON "message"
// (with Accept: application/json), else the first non-empty line after
// the "<code> <title>" line of its plain text.
std::string first_line(const std::string& body) {
  std::string text = body;
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    auto& o = v.as_object();
    if (auto m = o.find("message"); m != o.end() && m->value().is_string())
      text = std::string{m->value().get_string()};
    else if (auto e = o.find("error"); e != o.end() && e->value().is_object()
                                       && e->value().as_object().contains(
                                         "message"))
      text = text_of(e->value().as_object().at("message")); // Keystone's
  }
  for (std::string br = "<br />"; text.find(br) != std::string::npos;)
    text.replace(text.find(br), br.size(), "\n");
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    auto line = trim(text.substr(start, end - start));
    if (!line.empty())
      lines.push_back(line);
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  if (lines.empty())
    return {};
  auto is_title = [](const std::string& l) {
    return l.size() > 4 && std::isdigit(static_cast<unsigned char>(l[0]))
           && std::isdigit(static_cast<unsigned char>(l[1]))
           && std::isdigit(static_cast<unsigned char>(l[2])) && l[3] == ' ';
  };
  auto line = lines.size() > 1 && is_title(lines[0]) ? lines[1] : lines[0];
  if (line.size() > 300)
    line = line.substr(0, 300) + "...";
  return line;
}

// JSON pointer (RFC 6901) of a property name.
std::string pointer(const std::string& key) {
  std::string out = "/";
  for (auto c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void write_all(int fd, const char* data, size_t n, const std::string& id) {
  for (size_t done = 0; done < n;) {
    auto w = ::write(fd, data + done, n - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      throw image_error(image_errc::io_error, "download",
                        "download of image " + id
                          + ": write failed: " + std::strerror(errno));
    done += static_cast<size_t>(w);
  }
}

// Keystone's expires_at, "2026-12-01T15:41:39.000000Z" (or an offset).
std::optional<std::chrono::system_clock::time_point>
parse_time(const std::string& s) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed)
        != 6
      || consumed == 0)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto t = timegm(&tm);
  if (t == static_cast<time_t>(-1))
    return std::nullopt;
  auto rest = s.substr(static_cast<size_t>(consumed));
  if (!rest.empty() && rest[0] == '.')
    rest = rest.substr(std::min(rest.find_first_not_of("0123456789", 1),
                                rest.size()));
  int oh = 0, om = 0;
  char sign = 0;
  if (rest.empty() || rest == "Z") {
    // UTC
  } else if (std::sscanf(rest.c_str(), "%c%2d:%2d", &sign, &oh, &om) == 3
             && (sign == '+' || sign == '-')) {
    t -= (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t);
}

// A Glance api server without a version suffix (glanceclient strips it).
http_url unversioned(http_url u) {
  auto slash = u.path.rfind('/');
  if (slash != std::string::npos) {
    auto last = u.path.substr(slash + 1);
    if (last.size() >= 2 && last[0] == 'v'
        && std::isdigit(static_cast<unsigned char>(last[1]))
        && last.find_first_not_of("0123456789.", 1) == std::string::npos)
      u.path.erase(slash);
  }
  return u;
}

} // namespace

image image_from_glance(const std::string& text) {
  return from_object(parse_object(text));
}

// -- the service user -------------------------------------------------------

service_token::service_token(http_client& client, const glance_options& opts)
  : client_(client), opts_(opts), endpoint_(parse_http_url(opts.auth_url)) {
  auto path = endpoint_.path;
  bool versioned = path.size() >= 3 && path.compare(path.size() - 3, 3, "/v3") == 0;
  target_ = path + (versioned ? "" : "/v3") + "/auth/tokens";
}

std::string service_token::get(const char* call) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = std::chrono::system_clock::now();
  if (!token_.empty() && now < refresh_at_)
    return token_;
  json::object body = {
    {"auth",
     {{"identity",
       {{"methods", json::array{"password"}},
        {"password",
         {{"user",
           {{"name", opts_.username},
            {"domain", {{"name", opts_.user_domain_name}}},
            {"password", opts_.password}}}}}}},
      {"scope",
       {{"project",
         {{"name", opts_.project_name},
          {"domain", {{"name", opts_.project_domain_name}}}}}}}}}};
  http_request req;
  req.method = "POST";
  req.target = target_;
  req.headers = {{"Content-Type", json_type}, {"Accept", json_type}};
  req.body = json::serialize(body);
  auto where = endpoint_.scheme + "://" + endpoint_.authority() + target_;
  http_response res;
  try {
    res = client_.perform(endpoint_, req);
  } catch (const transport_error& e) {
    log::warning(log_name, "service user ", opts_.username,
                 ": cannot reach Keystone: ", e.what());
    throw image_error(image_errc::connection_failed, call,
                      "Connection to Keystone " + where
                        + " failed: " + e.what());
  }
  auto token = res.header("x-subject-token");
  if (res.status != 201 || token.empty()) {
    auto line = first_line(res.body);
    auto rid = res.header("x-openstack-request-id");
    log::warning(log_name, "service user ", opts_.username, ": Keystone ",
                 where, " answered ", res.status,
                 rid.empty() ? "" : " request " + rid, ": ", line);
    auto code = res.status == 401 || res.status == 403
                  ? image_errc::not_authorized
                  : image_errc::http_error;
    throw image_error(code, call,
                      "Keystone refused the service user " + opts_.username
                        + " (" + std::to_string(res.status)
                        + (line.empty() ? "" : ": " + line) + ")",
                      static_cast<int>(res.status));
  }
  std::optional<std::chrono::system_clock::time_point> expires;
  try {
    auto o = parse_object(res.body);
    expires = parse_time(text_of(o.at("token").as_object().at("expires_at")));
  } catch (const std::exception&) {
    // handled below
  }
  if (!expires) {
    log::warning(log_name, "service user ", opts_.username,
                 ": Keystone's token has no readable expires_at; used for 10 "
                 "minutes");
    expires = now + std::chrono::minutes{15};
  }
  token_ = token;
  refresh_at_ = *expires - std::chrono::minutes{5};
  log::info(log_name, "service user ", opts_.username, " (project ",
            opts_.project_name, "): new token from ", where);
  return token_;
}

void service_token::invalidate(const std::string& token) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (token_ == token)
    token_.clear();
}

// -- the service ------------------------------------------------------------

struct glance_image_service::call_spec {
  call_spec(const char* c, std::string s) : call(c), subject(std::move(s)) {
  }

  /// The metrics' and logs' name of the call.
  const char* call;
  /// What the error messages speak of: "image <id>", "images".
  std::string subject;
  std::string method = "GET";
  /// After the server's own path: "/v2/images/...".
  std::string path;
  std::string accept = json_type;
  std::string content_type;
  std::string body;
  /// An upload: its body, its size, and how to start it over (false: it
  /// cannot be, the call is not retried).
  std::function<size_t(char*, size_t)> source;
  int64_t source_size = 0;
  std::function<bool()> rewind;
  /// A download: a body that fails after the headers is a short read, not
  /// retried; on a connection of its own (see http_request::keep_alive).
  bool streaming = false;
};

glance_image_service::glance_image_service(glance_options opts,
                                           request_observer observer,
                                           glance_tuning tuning)
  : opts_(std::move(opts)),
    observer_(std::move(observer)),
    tuning_(tuning) {
  if (opts_.api_servers.empty())
    throw std::invalid_argument("[glance] api_servers is empty");
  std::vector<size_t> order(opts_.api_servers.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng{tuning_.seed != 0 ? tuning_.seed
                                        : std::random_device{}()};
  std::shuffle(order.begin(), order.end(), rng);
  for (auto i : order) {
    auto text = opts_.api_servers[i];
    while (!text.empty() && text.back() == '/')
      text.pop_back();
    servers_.push_back(unversioned(parse_http_url(text)));
    servers_text_.push_back(text);
  }
  http_client_options c;
  c.timeout = std::chrono::seconds{opts_.timeout_s};
  c.cafile = opts_.cafile;
  client_ = std::make_unique<http_client>(c);
  if (opts_.service_user())
    service_ = std::make_unique<service_token>(*client_, opts_);
}

glance_image_service::~glance_image_service() = default;

const http_url& glance_image_service::next_server() const {
  return servers_[next_.fetch_add(1) % servers_.size()];
}

std::string glance_image_service::image_url(const std::string& id) const {
  return servers_text_.front() + "/images/" + id;
}

http_response glance_image_service::call(const call_spec& spec,
                                          const image_auth& auth,
                                          const body_sink& sink) {
  auto token = auth.token;
  bool service = false;
  if (token.empty() && service_) {
    token = service_->get(spec.call);
    service = true;
  }
  bool reauthenticated = false;
  const int64_t attempts = 1 + opts_.num_retries;
  int sends = 0;
  for (int64_t attempt = 1;;) {
    auto& server = next_server();
    auto server_text = server.scheme + "://" + server.authority();
    http_request req;
    req.method = spec.method;
    req.target = server.path + spec.path;
    req.headers.emplace_back("Accept", spec.accept);
    if (!spec.content_type.empty())
      req.headers.emplace_back("Content-Type", spec.content_type);
    if (!token.empty())
      req.headers.emplace_back("X-Auth-Token", token);
    req.body = spec.body;
    req.keep_alive = !spec.streaming;
    if (spec.source) {
      if (sends++ > 0 && !(spec.rewind && spec.rewind()))
        throw image_error(image_errc::connection_failed, spec.call,
                          "Connection to glance host " + server_text
                            + " failed, and the upload cannot start over");
      req.source = spec.source;
      req.source_size = spec.source_size;
    }
    unsigned seen = 0; // the status a sink saw, if it threw
    body_sink watched;
    if (sink)
      watched = [&](const http_response& head, const char* d, size_t n) {
        seen = head.status;
        sink(head, d, n);
      };
    auto started = clock::now();
    auto observe = [&](const std::string& code) {
      if (observer_)
        observer_(spec.call, code, seconds_since(started));
    };
    auto retry_or_fail = [&](const std::string& why) {
      bool again = attempt < attempts;
      log::warning(log_name, "Error contacting glance server '", server_text,
                   "' for '", spec.call, "' (", spec.subject, "), ",
                   again ? "retrying" : "done trying", ": ", why);
      if (!again)
        throw image_error(image_errc::connection_failed, spec.call,
                          "Connection to glance host " + server_text
                            + " failed: " + why);
      std::this_thread::sleep_for(tuning_.retry_delay);
      ++attempt;
    };
    http_response res;
    try {
      res = client_->perform(server, req, watched);
    } catch (const transport_error& e) {
      observe(e.answered() ? std::to_string(e.partial().status)
                           : "connect_error");
      if (e.answered() && spec.streaming) {
        auto rid = e.partial().header("x-openstack-request-id");
        log::warning(log_name, spec.call, " ", spec.subject, " from ",
                     server_text, rid.empty() ? "" : " request " + rid,
                     ": ", e.what());
        throw image_error(image_errc::short_read, spec.call,
                          std::string{e.what()}
                            + (rid.empty() ? "" : " (Glance " + rid + ")"),
                          static_cast<int>(e.partial().status));
      }
      retry_or_fail(e.what());
      continue;
    } catch (...) {
      if (seen != 0)
        observe(std::to_string(seen));
      throw;
    }
    observe(std::to_string(res.status));
    if (res.status / 100 == 2)
      return res;
    auto rid = res.header("x-openstack-request-id");
    auto line = first_line(res.body);
    auto glance_says = "Glance " + std::to_string(res.status)
                       + (rid.empty() ? "" : " " + rid)
                       + (line.empty() ? "" : ": " + line);
    if (res.status == 401 && service && !reauthenticated) {
      log::info(log_name, spec.call, " ", spec.subject,
                ": Glance refused the service user's token (", glance_says,
                "); authenticating again");
      reauthenticated = true;
      service_->invalidate(token);
      token = service_->get(spec.call);
      continue;
    }
    if (res.status == 503) {
      retry_or_fail(glance_says);
      continue;
    }
    log::warning(log_name, spec.call, " ", spec.subject, ": ", spec.method,
                 " ", server_text, req.target, " answered ", res.status,
                 " request ", rid.empty() ? "-" : rid, ": ", line);
    image_errc code = image_errc::http_error;
    std::string what;
    switch (res.status) {
      case 401:
      case 403:
        code = image_errc::not_authorized;
        what = "Not authorized for " + spec.subject + ".";
        break;
      case 404:
        code = image_errc::not_found;
        what = spec.subject + " could not be found.";
        break;
      case 400:
        code = image_errc::bad_request;
        what = "Request of " + spec.subject + " got BadRequest response: "
               + line;
        break;
      case 409:
        code = image_errc::conflict;
        what = "Conflict on " + spec.subject + ": " + line;
        break;
      case 413:
        code = image_errc::over_quota;
        what = "Quota exceeded or out of space for " + spec.subject
               + " in the image service.";
        break;
      default:
        what = "Glance answered " + std::to_string(res.status) + " to "
               + spec.call + " of " + spec.subject + ".";
    }
    what[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(what[0])));
    throw image_error(code, spec.call, what + " (" + glance_says + ")",
                      static_cast<int>(res.status));
  }
}

namespace {

image record_of(const http_response& res, const char* call,
                const std::string& subject) {
  try {
    return image_from_glance(res.body);
  } catch (const std::exception& e) {
    throw image_error(image_errc::http_error, call,
                      "Glance's answer for " + subject
                        + " is not an image record: " + e.what(),
                      static_cast<int>(res.status));
  }
}

std::string image_path(const std::string& id) {
  return "/v2/images/" + escape_query(id);
}

} // namespace

image glance_image_service::show(const image_auth& auth,
                                 const std::string& id) {
  call_spec spec{"show", "image " + id};
  spec.path = image_path(id);
  auto img = record_of(call(spec, auth), spec.call, spec.subject);
  // Without the caller's token Glance did not filter (Nova's show).
  if (auth.token.empty() && !image_available(auth, img)) {
    log::debug(log_name, "show image ", id, ": not available to project ",
               auth.project_id, " user ", auth.user_id);
    throw image_error(image_errc::not_found, "show",
                      "Image " + id + " could not be found.", 404);
  }
  return img;
}

std::vector<image> glance_image_service::list(const image_auth& auth,
                                              const list_query& q) {
  std::string query;
  auto param = [&](const char* key, const std::string& value) {
    if (!value.empty())
      query += (query.empty() ? "?" : "&") + std::string{key} + "="
               + escape_query(value);
  };
  if (q.limit != 0)
    param("limit", std::to_string(q.limit));
  param("name", q.name);
  param("status", q.status);
  param("visibility", q.visibility);
  std::vector<image> out;
  std::set<std::string> seen_pages;
  std::string path = "/v2/images" + query;
  while (seen_pages.insert(path).second) {
    call_spec spec{"list", "images"};
    spec.path = path;
    auto res = call(spec, auth);
    json::object page;
    try {
      page = parse_object(res.body);
      for (auto& v : page.at("images").as_array()) {
        auto img = from_object(v.as_object());
        if (!auth.token.empty() || image_available(auth, img))
          out.push_back(std::move(img));
      }
    } catch (const std::exception& e) {
      throw image_error(image_errc::http_error, "list",
                        std::string{"Glance's image list is unreadable: "}
                          + e.what(),
                        static_cast<int>(res.status));
    }
    if (q.limit != 0 && out.size() >= q.limit) {
      out.resize(q.limit);
      break;
    }
    auto next = page.find("next");
    if (next == page.end() || !next->value().is_string())
      break;
    // Relative to the server's root, as glanceclient follows it.
    path = std::string{next->value().get_string()};
    if (auto scheme = path.find("://"); scheme != std::string::npos) {
      auto slash = path.find('/', scheme + 3);
      path = slash == std::string::npos ? "/" : path.substr(slash);
    }
  }
  return out;
}

download_result glance_image_service::download(const image_auth& auth,
                                               const image& img, int fd) {
  using md_ctx = std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)>;
  // python-glanceclient's data(do_checksum=True): the multihash, else md5.
  std::string algo, expected;
  const EVP_MD* md = nullptr;
  if (!img.os_hash_algo.empty() && !img.os_hash_value.empty()) {
    md = EVP_get_digestbyname(img.os_hash_algo.c_str());
    if (md) {
      algo = img.os_hash_algo;
      expected = img.os_hash_value;
    } else {
      log::warning(log_name, "image ", img.id, ": unknown os_hash_algo ",
                   img.os_hash_algo, "; checking the md5 checksum instead");
    }
  }
  if (!md && !img.checksum.empty()) {
    md = EVP_md5();
    algo = "md5";
    expected = img.checksum;
  }
  if (!md) {
    md = EVP_sha512();
    algo = "sha512";
    log::warning(log_name, "image ", img.id,
                 " has no checksum: its download is not verified");
  }
  md_ctx ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  int64_t bytes = 0;
  auto sink = [&](const http_response&, const char* data, size_t n) {
    EVP_DigestUpdate(ctx.get(), data, n);
    write_all(fd, data, n, img.id);
    bytes += static_cast<int64_t>(n);
  };
  call_spec spec{"download", "image " + img.id};
  spec.path = image_path(img.id) + "/file";
  spec.accept = "application/octet-stream";
  spec.streaming = true;
  auto started = clock::now();
  auto outcome = [&](const char* result, const std::string& rid) {
    auto line = "download image " + img.id + ": " + std::to_string(bytes)
                + " bytes in " + std::to_string(seconds_since(started))
                + " s, " + algo + ", " + result
                + (rid.empty() ? "" : ", request " + rid);
    if (std::strcmp(result, "ok") == 0)
      log::info(log_name, line);
    else
      log::warning(log_name, line);
  };
  http_response res;
  try {
    res = call(spec, auth, sink);
  } catch (const image_error& e) {
    if (e.code() == image_errc::short_read) {
      auto expect = img.size >= 0 ? std::to_string(img.size) : "?";
      outcome("short_read", "");
      throw image_error(image_errc::short_read, "download",
                        "Image " + img.id + ": the download ended after "
                          + std::to_string(bytes) + " of " + expect
                          + " bytes: " + e.what(),
                        e.status());
    }
    throw;
  }
  auto rid = res.header("x-openstack-request-id");
  if (res.status == 204) {
    outcome("no_data", rid);
    throw image_error(image_errc::no_data, "download",
                      "Image " + img.id + " has no associated data (Glance 204"
                        + (rid.empty() ? "" : " " + rid) + ")",
                      204);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  download_result out;
  out.bytes = bytes;
  out.algo = algo;
  out.hex = hex_of(digest, len);
  out.seconds = seconds_since(started);
  if (img.size >= 0 && bytes < img.size) {
    outcome("short_read", rid);
    throw image_error(image_errc::short_read, "download",
                      "Image " + img.id + ": the download ended after "
                        + std::to_string(bytes) + " of "
                        + std::to_string(img.size) + " bytes",
                      static_cast<int>(res.status));
  }
  if (!expected.empty() && out.hex != expected) {
    outcome("checksum_mismatch", rid);
    throw image_error(image_errc::checksum_mismatch, "download",
                      "Corrupt image download. Hash was " + out.hex
                        + " expected " + expected + " (" + algo + ", image "
                        + img.id + (rid.empty() ? "" : ", Glance " + rid)
                        + ")",
                      static_cast<int>(res.status));
  }
  outcome("ok", rid);
  return out;
}

image glance_image_service::create(const image_auth& auth,
                                   const image_create& req) {
  json::object body;
  // Custom properties are top-level keys, always strings (A.2, A.10).
  for (auto& [k, v] : req.properties)
    if (base_keys().count(k) == 0)
      body[k] = v;
  body["name"] = req.name;
  body["visibility"] = req.visibility;
  if (!req.disk_format.empty())
    body["disk_format"] = req.disk_format;
  if (!req.container_format.empty())
    body["container_format"] = req.container_format;
  body["min_ram"] = req.min_ram_mb;
  body["min_disk"] = req.min_disk_gb;
  call_spec spec{"create", "new image '" + req.name + "'"};
  spec.method = "POST";
  spec.path = "/v2/images";
  spec.content_type = json_type;
  spec.body = json::serialize(body);
  auto img = record_of(call(spec, auth), spec.call, spec.subject);
  log::info(log_name, "created image ", img.id, " '", img.name, "' (",
            img.status, ")");
  return img;
}

image glance_image_service::update(const image_auth& auth,
                                   const std::string& id,
                                   const image_update& req) {
  json::array ops;
  auto op = [&](const char* kind, const std::string& path,
                const std::string& value) {
    ops.push_back(json::object{{"op", kind}, {"path", path}, {"value", value}});
  };
  if (req.disk_format)
    op("replace", "/disk_format", *req.disk_format);
  if (req.container_format)
    op("replace", "/container_format", *req.container_format);
  // v2.1 patches: "add" sets a property whether or not it exists.
  for (auto& [k, v] : req.properties)
    op("add", pointer(k), v);
  if (ops.empty())
    return show(auth, id);
  call_spec spec{"update", "image " + id};
  spec.method = "PATCH";
  spec.path = image_path(id);
  spec.content_type = patch_type;
  spec.body = json::serialize(ops);
  return record_of(call(spec, auth), spec.call, spec.subject);
}

void glance_image_service::upload(const image_auth& auth,
                                  const std::string& id, int fd,
                                  int64_t size) {
  auto start = ::lseek(fd, 0, SEEK_CUR); // -1 for a pipe: no retry
  int64_t sent = 0;
  call_spec spec{"upload", "image " + id};
  spec.method = "PUT";
  spec.path = image_path(id) + "/file";
  spec.content_type = "application/octet-stream";
  spec.source_size = size;
  spec.source = [&](char* buf, size_t max) -> size_t {
    for (;;) {
      auto n = ::read(fd, buf, max);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        throw image_error(image_errc::io_error, "upload",
                          "upload of image " + id
                            + ": read failed: " + std::strerror(errno));
      if (n == 0)
        throw image_error(image_errc::short_read, "upload",
                          "upload of image " + id + ": the file ended after "
                            + std::to_string(sent) + " of "
                            + std::to_string(size) + " bytes");
      sent += n;
      return static_cast<size_t>(n);
    }
  };
  spec.rewind = [&] {
    sent = 0;
    return start >= 0 && ::lseek(fd, start, SEEK_SET) == start;
  };
  auto started = clock::now();
  call(spec, auth);
  log::info(log_name, "uploaded image ", id, ": ", size, " bytes in ",
            seconds_since(started), " s");
}

void glance_image_service::remove(const image_auth& auth,
                                  const std::string& id) {
  call_spec spec{"delete", "image " + id};
  spec.method = "DELETE";
  spec.path = image_path(id);
  call(spec, auth);
  log::info(log_name, "deleted image ", id);
}

} // namespace vmforge::images
