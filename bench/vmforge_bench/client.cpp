#include "bench/vmforge_bench/client.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <stdexcept>

namespace vmforge::bench {

namespace {

struct url_parts {
  std::string host, port, path;
};

url_parts split(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    throw std::invalid_argument("only http:// endpoints are supported: " + url);
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  url_parts p;
  p.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!p.path.empty() && p.path.back() == '/')
    p.path.pop_back();
  auto colon = authority.rfind(':');
  p.host = authority.substr(0, colon);
  p.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  return p;
}

} // namespace

client::client(boost::asio::io_context& io, const options& opts, stats& st)
  : opts_(opts), stats_(st) {
  auto parts = split(opts.endpoint);
  host_ = parts.host + ":" + parts.port;
  base_ = parts.path;
  boost::asio::ip::tcp::resolver resolver{io};
  auto peer = resolver.resolve(parts.host, parts.port)->endpoint();
  for (int i = 0; i < opts.connections; ++i)
    idle_.push_back(std::make_shared<connection>(io, peer));
}

void client::call(std::string name, http::verb verb, const std::string& path,
                  std::string body, connection::handler done, bool from_root) {
  http::request<http::string_body> req{verb, from_root ? path : base_ + path, 11};
  req.set(http::field::host, host_);
  req.set(http::field::accept, "application/json");
  req.set("X-Auth-Token", opts_.token);
  // Both headers, as novaclient sends them: Nova reads either.
  req.set("OpenStack-API-Version", "compute " + opts_.microversion);
  req.set("X-OpenStack-Nova-API-Version", opts_.microversion);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.keep_alive(true);
  ++stats_.inflight_requests;
  pending p{std::move(name), std::move(req), std::move(done), bench_clock::now()};
  if (idle_.empty())
    return queue_.push_back(std::move(p));
  auto conn = std::move(idle_.back());
  idle_.pop_back();
  dispatch(std::move(p), std::move(conn));
}

void client::dispatch(pending p, std::shared_ptr<connection> conn) {
  auto sent = bench_clock::now();
  stats_.queue_wait.add(sent - p.queued);
  conn->send(std::move(p.req), opts_.request_timeout,
             [this, conn, sent, name = std::move(p.name),
              done = std::move(p.done)](reply r) {
    auto& call = stats_.calls[name];
    call.time.add(bench_clock::now() - sent);
    ++call.statuses[r.status];
    ++stats_.requests;
    --stats_.inflight_requests;
    if (r.status == 0)
      stats_.error("transport: " + r.failure);
    // The connection goes to the next waiting request before this answer
    // is handled, so the handler's own requests queue behind it.
    if (queue_.empty()) {
      idle_.push_back(conn);
    } else {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      dispatch(std::move(next), conn);
    }
    done(std::move(r));
  });
}

} // namespace vmforge::bench
