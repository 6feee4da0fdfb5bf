#include "tests/support/echo_server.hpp"

#include <array>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace vmforge::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct echo_server::impl {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> received{0};
  asio::io_context ioc;
  tcp::acceptor acceptor{
    ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket s) {
      if (ec)
        return;
      ++connections;
      // As CAF's BASP sockets: no Nagle delay on the echo.
      error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      echo(std::make_shared<tcp::socket>(std::move(s)),
           std::make_shared<std::array<char, 16384>>());
      accept();
    });
  }

  void echo(std::shared_ptr<tcp::socket> s,
            std::shared_ptr<std::array<char, 16384>> buf) {
    s->async_read_some(asio::buffer(*buf), [this, s, buf](error_code ec,
                                                          size_t n) {
      if (ec)
        return;
      received += n;
      asio::async_write(*s, asio::buffer(buf->data(), n),
                        [this, s, buf](error_code ec, size_t) {
                          if (!ec)
                            echo(s, buf);
                        });
    });
  }
};

echo_server::echo_server() : impl_(std::make_unique<impl>()) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

echo_server::~echo_server() {
  impl_->ioc.stop();
  impl_->thread.join();
}

uint16_t echo_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

uint64_t echo_server::connections() const {
  return impl_->connections;
}

uint64_t echo_server::received() const {
  return impl_->received;
}

} // namespace vmforge::test
