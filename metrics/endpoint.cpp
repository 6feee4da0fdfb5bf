#include "metrics/endpoint.hpp"

namespace vmforge::metrics {

namespace {

namespace beast_http = http::beast_http;

http::response plain(unsigned status, std::string body) {
  http::response res{static_cast<beast_http::status>(status), 11};
  res.set(beast_http::field::content_type,
          "text/plain; version=0.0.4; charset=utf-8");
  res.body() = std::move(body);
  return res;
}

http::server_options server_options(std::string listen, uint16_t port) {
  http::server_options opts;
  opts.listen = std::move(listen);
  opts.port = port;
  // Prometheus scrapes one at a time; one thread keeps the cost small.
  opts.io_threads = 1;
  opts.max_connections = 64;
  return opts;
}

} // namespace

endpoint::endpoint(registry_ptr reg, std::string listen, uint16_t port)
  : reg_(std::move(reg)),
    server_(
      server_options(std::move(listen), port),
      [reg = reg_](http::request&& req, http::responder done) {
        auto target = std::string{req.target()};
        if (target.substr(0, target.find('?')) != "/metrics") {
          done(plain(404, "Not found: metrics are at /metrics\n"));
          return;
        }
        if (req.method() != beast_http::verb::get) {
          done(plain(405, "Only GET\n"));
          return;
        }
        done(plain(200, reg->text()));
      },
      [](unsigned status, const std::string& message) {
        return plain(status, message + "\n");
      }) {
  // nop
}

void endpoint::start() {
  server_.start();
}

uint16_t endpoint::port() const {
  return server_.port();
}

} // namespace vmforge::metrics
