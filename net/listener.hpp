#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vmforge::net {

using tcp = boost::asio::ip::tcp;

/// Binds `address`:`port` (0 picks a free port) and hands every accepted
/// socket to `on_accept` on `ioc`, until `ioc` is destroyed; returns the
/// bound port. Throws std::system_error saying what (`what`) could not
/// bind where.
uint16_t listen(boost::asio::io_context& ioc, const std::string& what,
                const std::string& address, uint16_t port,
                std::function<void(tcp::socket)> on_accept);

/// "address:port" of the socket's peer, for log lines.
std::string peer_name(const tcp::socket& socket);

} // namespace vmforge::net
