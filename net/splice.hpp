#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "net/tls_context.hpp"

namespace vmforge::net {

/// Copies bytes both ways between a TLS stream and a plain socket until
/// either side closes or fails, then closes both (the TLS side with a
/// close_notify if it is still sound). Each direction reads into its own
/// 64 KiB buffer and does not read again until that chunk is written, so
/// a slow reader slows its writer down instead of filling memory. No idle
/// timeout: the protocol above has its own heartbeats.
class splice : public std::enable_shared_from_this<splice> {
public:
  /// Sees every chunk read from the TLS side before it is written on;
  /// false drops the connection (the chunk is not written).
  using inspector = std::function<bool(const unsigned char* data, size_t size)>;

  /// Starts splicing on the streams' executor; `owner` is held until both
  /// streams are closed (e.g. the owner's connection count).
  static void start(tls_stream tls, tcp::socket plain, inspector inspect,
                    std::shared_ptr<void> owner);

  splice(tls_stream tls, tcp::socket plain, inspector inspect,
         std::shared_ptr<void> owner);

private:
  struct direction {
    std::vector<unsigned char> buf;
    inspector inspect;
    bool busy = false;
  };

  template <class From, class To>
  void pump(From& from, To& to, direction& d);
  void stop();
  void finish_if_idle();
  void close_tls();

  tls_stream tls_;
  tcp::socket plain_;
  direction up_;   // TLS -> plain
  direction down_; // plain -> TLS
  boost::asio::steady_timer shutdown_timer_;
  std::shared_ptr<void> owner_;
  bool stopping_ = false;
  bool finishing_ = false;
  /// False once a TLS read or write failed: no close_notify then.
  bool tls_sound_ = true;
};

} // namespace vmforge::net
