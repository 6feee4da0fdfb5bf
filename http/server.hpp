#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

// An asynchronous HTTP/1.1 server (Boost.Beast): keep-alive, a pool of I/O
// threads, request size and time limits, a connection cap. It knows nothing
// of the Compute API: every request goes to a handler that answers through
// a responder, later and from any thread, so an I/O thread never waits.
namespace vmforge::http {

namespace beast_http = boost::beast::http;
using request = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;

/// Call exactly once with the response; safe from any thread.
using responder = std::function<void(response)>;
using handler = std::function<void(request&&, responder)>;
/// Renders the server's own errors (413, 400, 503) in the API's format.
using error_renderer = std::function<response(unsigned status,
                                              const std::string& message)>;

struct server_options {
  std::string listen = "127.0.0.1";
  /// 0 picks a free port (see server::port()).
  uint16_t port = 8774;
  int io_threads = 2;
  size_t body_limit = 1024 * 1024;
  size_t header_limit = 16 * 1024;
  /// How long a connection may sit between requests, or take to send the
  /// headers of one.
  std::chrono::seconds idle_timeout{60};
  /// How long a request body, or writing a response, may take.
  std::chrono::seconds io_timeout{30};
  size_t max_connections = 4096;
};

class server {
public:
  server(server_options opts, handler on_request, error_renderer on_error);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the I/O threads; throws boost::system's
  /// system_error if the address cannot be bound.
  void start();
  /// Stops accepting, closes connections and joins the I/O threads.
  void stop();
  /// The bound port (after start).
  uint16_t port() const;
  /// Connections open now.
  size_t connections() const;

  /// Opaque; shared with the connections, which may outlive a call.
  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace vmforge::http
