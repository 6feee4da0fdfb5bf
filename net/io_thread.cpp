#include "net/io_thread.hpp"

namespace vmforge::net {

io_thread::io_thread() : ioc_(std::make_unique<boost::asio::io_context>(1)) {
  // nop
}

io_thread::~io_thread() {
  stop();
}

void io_thread::start() {
  thread_ = std::thread([ioc = ioc_.get()] { ioc->run(); });
}

void io_thread::stop() {
  if (!ioc_)
    return;
  ioc_->stop();
  if (thread_.joinable())
    thread_.join();
  ioc_.reset();
}

} // namespace vmforge::net
