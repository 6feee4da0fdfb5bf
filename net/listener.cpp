#include "net/listener.hpp"

#include <chrono>
#include <memory>
#include <system_error>

#include <boost/asio/steady_timer.hpp>

#include "util/log.hpp"

namespace vmforge::net {

namespace asio = boost::asio;

namespace {

class accept_loop : public std::enable_shared_from_this<accept_loop> {
public:
  accept_loop(tcp::acceptor acceptor, std::function<void(tcp::socket)> f)
    : acceptor_(std::move(acceptor)), on_accept_(std::move(f)),
      retry_(acceptor_.get_executor()) {
    // nop
  }

  void next() {
    acceptor_.async_accept([self = shared_from_this()](
                             boost::system::error_code ec, tcp::socket s) {
      if (!ec) {
        self->on_accept_(std::move(s));
        self->next();
        return;
      }
      // Out of descriptors (EMFILE) fails again at once: wait a little
      // rather than spin.
      log::warning("cluster", "accept failed: ", ec.message());
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](boost::system::error_code ec) {
        if (!ec)
          self->next();
      });
    });
  }

private:
  tcp::acceptor acceptor_;
  std::function<void(tcp::socket)> on_accept_;
  asio::steady_timer retry_;
};

} // namespace

uint16_t listen(asio::io_context& ioc, const std::string& what,
                const std::string& address, uint16_t port,
                std::function<void(tcp::socket)> on_accept) {
  tcp::acceptor acceptor(ioc);
  boost::system::error_code ec;
  auto fail = [&](const char* step) {
    throw std::system_error(ec, "cannot " + std::string(step) + " the " + what
                                  + " on " + address + ":"
                                  + std::to_string(port));
  };
  tcp::endpoint ep(asio::ip::make_address(address, ec), port);
  if (ec)
    fail("parse the address of");
  if (acceptor.open(ep.protocol(), ec); ec)
    fail("open");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(ep, ec); ec)
    fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    fail("listen");
  auto bound = acceptor.local_endpoint().port();
  std::make_shared<accept_loop>(std::move(acceptor), std::move(on_accept))
    ->next();
  return bound;
}

std::string peer_name(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec)
    return "?";
  auto addr = ep.address().to_string();
  if (ep.address().is_v6())
    addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

} // namespace vmforge::net
