#pragma once

#include "bench/vmforge_bench/connection.hpp"
#include "bench/vmforge_bench/options.hpp"
#include "bench/vmforge_bench/stats.hpp"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace vmforge::bench {

/// The endpoint's connections: a request takes a free one or waits for one
/// (first come, first served); every answer is counted in `stats` under
/// the call's name.
class client {
public:
  /// Resolves the endpoint (http:// only); throws on a bad URL.
  client(boost::asio::io_context& io, const options& opts, stats& st);

  /// `path` is below the endpoint ("/servers"), or absolute ("/") when
  /// `from_root`.
  void call(std::string name, http::verb verb, const std::string& path,
            std::string body, connection::handler done, bool from_root = false);

private:
  struct pending {
    std::string name;
    http::request<http::string_body> req;
    connection::handler done;
    bench_clock::time_point queued;
  };
  void dispatch(pending p, std::shared_ptr<connection> conn);

  const options& opts_;
  stats& stats_;
  std::string host_; // the Host header
  std::string base_; // the endpoint's path, without a trailing /
  std::vector<std::shared_ptr<connection>> idle_;
  std::deque<pending> queue_;
};

} // namespace vmforge::bench
