#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// The synchronous HTTP/1.1 client the Glance image service and its
// Keystone service user talk through (Boost.Beast): http and https (OpenSSL,
// the peer verified against the system's CAs or a given bundle, the host
// name or IP checked), a timeout on every connect, read and write, bodies
// streamed in chunks both ways, and a few idle keep-alive connections per
// server. No CAF, no Compute API: a plain blocking call, safe from any
// thread (each call has a connection of its own).
namespace vmforge::images {

/// scheme://host[:port][/path], split.
struct http_url {
  std::string scheme; // "http" or "https"
  std::string host;   // without brackets for IPv6
  std::string port;   // 80/443 when the URL has none
  /// Without a trailing '/': "" or "/image".
  std::string path;

  bool tls() const {
    return scheme == "https";
  }
  /// "host:port", the pool's key and the Host header's value.
  std::string authority() const;
};

/// Throws std::invalid_argument naming the problem.
http_url parse_http_url(const std::string& text);

/// Percent-encodes a query parameter's value (RFC 3986 unreserved kept).
std::string escape_query(const std::string& value);

/// A request. `target` is the path and query; the body is `body`, or,
/// when `source` is set, `source_size` bytes taken from it in chunks (it
/// returns how many it wrote into the buffer; fewer than asked only at the
/// end, and a source that ends early makes the call throw).
struct http_request {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::function<size_t(char* buf, size_t max)> source;
  int64_t source_size = 0;
  /// false: `Connection: close`. A body then ends with the connection, so
  /// one shorter than its Content-Length fails at once; kept alive, Glance
  /// (eventlet) leaves it open and the read waits for the timeout.
  bool keep_alive = true;
};

/// A response's status and headers (names lower case), and its body unless
/// a sink took it.
struct http_response {
  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::string body;

  /// The header's value, "" if absent (`name` lower case).
  std::string header(const std::string& name) const;
};

/// Takes a successful (2xx) response's body chunk by chunk, when given;
/// `head` is the response so far (status and headers, no body).
using body_sink =
  std::function<void(const http_response& head, const char* data, size_t size)>;

/// A call that got no complete answer. `answered` is false when nothing of
/// a response arrived (no connection, TLS refused, reset or timeout before
/// the status line): Nova retries those. It is true when the status line
/// and headers came and the body then failed (ended before its
/// Content-Length, reset, timed out): `partial` holds them.
class transport_error : public std::runtime_error {
public:
  transport_error(std::string what, bool answered, http_response partial = {})
    : std::runtime_error(std::move(what)),
      answered_(answered),
      partial_(std::move(partial)) {
  }
  bool answered() const noexcept {
    return answered_;
  }
  const http_response& partial() const noexcept {
    return partial_;
  }

private:
  bool answered_;
  http_response partial_;
};

struct http_client_options {
  /// Every connect, TLS handshake, read and write (of one chunk) waits at
  /// most this long; zero: forever.
  std::chrono::milliseconds timeout{60000};
  /// PEM CA bundle https peers are verified against; empty: the system's.
  std::string cafile;
  /// Idle keep-alive connections kept per server.
  size_t max_idle = 4;
  /// Bodies held in memory (not given to a sink) may be at most this large.
  size_t max_body = 64 * 1024 * 1024;
};

class http_client {
public:
  explicit http_client(http_client_options opts = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends `req` to `server` (its path is not prepended: `req.target` is
  /// the whole target) and reads the answer; a 2xx body goes to `sink` if
  /// given. Throws transport_error; what the source or the sink throws
  /// passes through (the connection is then dropped). A request whose
  /// pooled connection turns out closed by the server before any answer
  /// is sent again once on a new connection (never one with a source).
  http_response perform(const http_url& server, const http_request& req,
                   const body_sink& sink = {});

  /// Idle connections held now (tests).
  size_t idle() const;

  struct connection;

private:
  std::unique_ptr<connection> take(const http_url& server);
  std::unique_ptr<connection> connect(const http_url& server);
  void give_back(const http_url& server, std::unique_ptr<connection> c);
  http_response exchange(connection& c, const http_url& server, const http_request& req,
                    const body_sink& sink, bool& answered, bool& keep);

  http_client_options opts_;
  struct tls_context;
  std::unique_ptr<tls_context> tls_;
  mutable std::mutex mtx_;
  std::map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
};

} // namespace vmforge::images
