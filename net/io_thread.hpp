#pragma once

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

namespace vmforge::net {

/// An io_context run by a thread of its own, so that the gateway's I/O
/// never runs on (or waits for) CAF's threads.
class io_thread {
public:
  io_thread();
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

  /// Valid until stop().
  boost::asio::io_context& context() {
    return *ioc_;
  }

  void start();
  /// Stops the context, joins the thread and destroys every pending
  /// handler, which closes the sockets they own.
  void stop();

private:
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::thread thread_;
};

} // namespace vmforge::net
