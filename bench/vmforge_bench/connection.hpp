#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace vmforge::bench {

namespace http = boost::beast::http;

/// An HTTP answer, or `status` 0 and what failed (connect, write, read,
/// timeout) when there was none.
struct reply {
  int status = 0;
  std::string body;
  std::string failure;
};

/// One keep-alive HTTP/1.1 connection, one request at a time; it
/// (re)connects when it has to, so a closed connection costs one connect.
class connection : public std::enable_shared_from_this<connection> {
public:
  using handler = std::function<void(reply)>;

  connection(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint peer);
  void send(http::request<http::string_body> req,
            std::chrono::milliseconds timeout, handler done);

private:
  void connect();
  void write();
  void fail(const char* stage, boost::beast::error_code ec);

  boost::beast::tcp_stream stream_;
  boost::asio::ip::tcp::endpoint peer_;
  bool open_ = false;
  bool reused_ = false; // the request went out on a connection kept alive
  std::chrono::milliseconds timeout_{0};
  boost::beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  handler done_;
};

} // namespace vmforge::bench
