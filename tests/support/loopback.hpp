#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

// Blocking clients on 127.0.0.1 and bounded waits, for the tests of the
// cluster port's gateway.
namespace vmforge::test {

using tcp = boost::asio::ip::tcp;

/// Polls `pred` until it holds or `limit` passed; whether it held.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit
                           = std::chrono::seconds(5)) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline tcp::socket connect_local(boost::asio::io_context& ioc, uint16_t port) {
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  return s;
}

/// A port nothing listens on: bound, then let go.
inline uint16_t unused_port(boost::asio::io_context& ioc) {
  tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

/// Reads (and drops) until the peer closes or `limit` passes; whether the
/// peer closed.
inline bool closed_within(tcp::socket& s, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      until - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    timeval tv{static_cast<time_t>(left.count() / 1000000),
               static_cast<suseconds_t>(left.count() % 1000000)};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    auto n = ::recv(s.native_handle(), buf, sizeof(buf), 0);
    if (n == 0)
      return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      return true; // reset
  }
}

/// A CAF 0.17 BASP header announcing `payload_len` bytes (big-endian at
/// bytes 4..7), all else zero: what the acceptor's frame cap reads.
inline std::string basp_header(uint32_t payload_len) {
  std::string h(32, '\0');
  for (int i = 0; i < 4; ++i)
    h[4 + i] = static_cast<char>(payload_len >> (24 - 8 * i));
  return h;
}

/// Writes `data` and reads as many bytes back.
inline std::string echo(tcp::socket& s, const std::string& data) {
  boost::asio::write(s, boost::asio::buffer(data));
  std::string back(data.size(), '\0');
  boost::asio::read(s, boost::asio::buffer(back));
  return back;
}

} // namespace vmforge::test
