#include "images/http_client.hpp"

#include <cctype>
#include <charconv>
#include <optional>

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace vmforge::images {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr size_t chunk_size = 64 * 1024;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_ip(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

} // namespace

std::string http_url::authority() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + port;
}

http_url parse_http_url(const std::string& text) {
  auto bad = [&](const std::string& why) -> http_url {
    throw std::invalid_argument("'" + text + "' is not an http(s) URL: " + why);
  };
  http_url u;
  auto sep = text.find("://");
  if (sep == std::string::npos)
    return bad("no scheme");
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https")
    return bad("scheme " + u.scheme);
  auto rest = text.substr(sep + 3);
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/')
    u.path.pop_back();
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return bad("unclosed [");
    u.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after[0] == ':')
      u.port = after.substr(1);
    else if (!after.empty())
      return bad("junk after ]");
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (u.host.empty())
    return bad("no host");
  if (u.port.empty()) {
    u.port = u.tls() ? "443" : "80";
  } else {
    unsigned n = 0;
    auto end = u.port.data() + u.port.size();
    auto res = std::from_chars(u.port.data(), end, n);
    if (res.ec != std::errc{} || res.ptr != end || n == 0 || n > 65535)
      return bad("bad port " + u.port);
  }
  return u;
}

std::string escape_query(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

std::string http_response::header(const std::string& name) const {
  auto i = headers.find(name);
  return i == headers.end() ? std::string{} : i->second;
}

struct http_client::tls_context {
  ssl::context ctx{ssl::context::tls_client};
  /// Why the context is unusable (an unreadable cafile), "" if it is fine.
  std::string problem;

  explicit tls_context(const std::string& cafile) {
    ctx.set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (cafile.empty())
      ctx.set_default_verify_paths(ec);
    else
      ctx.load_verify_file(cafile, ec);
    if (ec)
      problem = "cannot load the CA bundle " + (cafile.empty() ? "(system)" : cafile)
                + ": " + ec.message();
  }
};

struct http_client::connection {
  net::io_context ioc{1};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::vector<char> chunk = std::vector<char>(chunk_size);

  beast::tcp_stream& lowest() {
    return tls ? beast::get_lowest_layer(*tls) : *plain;
  }

  /// Calls `f` with the stream requests go through.
  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(*plain);
  }

  /// Runs the asynchronous operation `start` begins (it is given the
  /// completion to call) to its end, under the timeout: Beast's timeouts
  /// only apply to asynchronous operations.
  template <class Start>
  beast::error_code run(std::chrono::milliseconds timeout, Start&& start) {
    beast::error_code result = net::error::would_block;
    if (timeout.count() > 0)
      lowest().expires_after(timeout);
    else
      lowest().expires_never();
    start([&result](beast::error_code ec) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  /// The server closed the idle connection, or sent what nobody asked for.
  bool dropped() {
    if (buffer.size() != 0)
      return true;
    pollfd pfd{lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) != 0;
  }
};

http_client::http_client(http_client_options opts)
  : opts_(std::move(opts)), tls_(std::make_unique<tls_context>(opts_.cafile)) {
  // nop
}

http_client::~http_client() = default;

size_t http_client::idle() const {
  std::lock_guard<std::mutex> guard{mtx_};
  size_t n = 0;
  for (auto& kv : idle_)
    n += kv.second.size();
  return n;
}

std::unique_ptr<http_client::connection> http_client::take(const http_url& server) {
  std::unique_ptr<connection> c;
  for (;;) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      auto i = idle_.find(server.scheme + "://" + server.authority());
      if (i == idle_.end() || i->second.empty())
        return nullptr;
      c = std::move(i->second.back());
      i->second.pop_back();
    }
    if (!c->dropped())
      return c;
  }
}

void http_client::give_back(const http_url& server, std::unique_ptr<connection> c) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& list = idle_[server.scheme + "://" + server.authority()];
  if (list.size() < opts_.max_idle)
    list.push_back(std::move(c));
}

std::unique_ptr<http_client::connection> http_client::connect(const http_url& server) {
  auto c = std::make_unique<connection>();
  auto where = server.authority();
  if (server.tls() && !tls_->problem.empty())
    throw transport_error(tls_->problem, false);
  tcp::resolver resolver{c->ioc};
  beast::error_code ec;
  auto endpoints = resolver.resolve(server.host, server.port, ec);
  if (ec)
    throw transport_error("cannot resolve " + server.host + ": " + ec.message(),
                          false);
  if (server.tls())
    c->tls.emplace(c->ioc, tls_->ctx);
  else
    c->plain.emplace(c->ioc);
  ec = c->run(opts_.timeout, [&](auto done) {
    c->lowest().async_connect(endpoints,
                              [done](beast::error_code e, const tcp::endpoint&) {
                                done(e);
                              });
  });
  if (ec)
    throw transport_error("cannot connect to " + where + ": " + ec.message(),
                          false);
  beast::error_code ignored;
  c->lowest().socket().set_option(tcp::no_delay(true), ignored);
  if (server.tls()) {
    auto* native = c->tls->native_handle();
    if (is_ip(server.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), server.host.c_str());
    } else {
      SSL_set_tlsext_host_name(native, server.host.c_str());
      SSL_set1_host(native, server.host.c_str());
    }
    ec = c->run(opts_.timeout, [&](auto done) {
      c->tls->async_handshake(ssl::stream_base::client,
                              [done](beast::error_code e) { done(e); });
    });
    if (ec) {
      std::string why = ec.message();
      auto verify = SSL_get_verify_result(native);
      if (verify != X509_V_OK)
        why = std::string{"certificate verify failed: "}
              + X509_verify_cert_error_string(verify);
      throw transport_error("TLS handshake with " + where + " failed: " + why,
                            false);
    }
  }
  return c;
}

http_response http_client::exchange(connection& c, const http_url& server, const http_request& req,
                          const body_sink& sink, bool& answered, bool& keep) {
  answered = false;
  keep = false;
  auto where = req.method + " " + server.scheme + "://" + server.authority()
               + req.target;
  auto verb = bhttp::string_to_verb(req.method);
  auto fill = [&](auto& msg) {
    msg.method(verb);
    msg.target(req.target);
    msg.version(11);
    msg.set(bhttp::field::host, server.authority());
    msg.set(bhttp::field::user_agent, "vmforge");
    for (auto& [k, v] : req.headers)
      msg.set(k, v);
    msg.keep_alive(req.keep_alive);
  };
  beast::error_code ec;
  if (!req.source) {
    bhttp::request<bhttp::string_body> msg;
    fill(msg);
    msg.body() = req.body;
    msg.prepare_payload();
    ec = c.run(opts_.timeout, [&](auto done) {
      c.with_stream([&](auto& s) {
        bhttp::async_write(s, msg,
                           [done](beast::error_code e, size_t) { done(e); });
      });
    });
  } else {
    bhttp::request<bhttp::empty_body> msg;
    fill(msg);
    msg.content_length(static_cast<uint64_t>(req.source_size));
    bhttp::request_serializer<bhttp::empty_body> sr{msg};
    ec = c.run(opts_.timeout, [&](auto done) {
      c.with_stream([&](auto& s) {
        bhttp::async_write_header(
          s, sr, [done](beast::error_code e, size_t) { done(e); });
      });
    });
    for (int64_t left = req.source_size; !ec && left > 0;) {
      auto want = static_cast<size_t>(
        std::min<int64_t>(left, static_cast<int64_t>(c.chunk.size())));
      auto n = req.source(c.chunk.data(), want);
      if (n == 0)
        throw std::runtime_error(
          "the request body ended " + std::to_string(left) + " bytes short of "
          + std::to_string(req.source_size));
      left -= static_cast<int64_t>(n);
      ec = c.run(opts_.timeout, [&](auto done) {
        c.with_stream([&](auto& s) {
          net::async_write(s, net::buffer(c.chunk.data(), n),
                           [done](beast::error_code e, size_t) { done(e); });
        });
      });
    }
  }
  if (ec)
    throw transport_error(where + ": sending failed: " + ec.message(), false);

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(boost::none);
  ec = c.run(opts_.timeout, [&](auto done) {
    c.with_stream([&](auto& s) {
      bhttp::async_read_header(s, c.buffer, parser,
                               [done](beast::error_code e, size_t) { done(e); });
    });
  });
  if (ec)
    throw transport_error(where + ": no answer: " + ec.message(), false);
  answered = true;
  http_response out;
  auto& head = parser.get();
  out.status = head.result_int();
  for (auto& f : head)
    out.headers[lower(std::string{f.name_string()})] = std::string{f.value()};
  bool to_sink = sink && out.status / 100 == 2;
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = c.chunk.data();
    body.size = c.chunk.size();
    ec = c.run(opts_.timeout, [&](auto done) {
      c.with_stream([&](auto& s) {
        bhttp::async_read(s, c.buffer, parser,
                          [done](beast::error_code e, size_t) { done(e); });
      });
    });
    if (ec == bhttp::error::need_buffer)
      ec = {};
    auto n = c.chunk.size() - parser.get().body().size;
    if (n != 0 && to_sink) {
      sink(out, c.chunk.data(), n);
    } else if (n != 0) {
      if (out.body.size() + n > opts_.max_body)
        throw transport_error(where + ": the answer's body is larger than "
                                + std::to_string(opts_.max_body) + " bytes",
                              true, out);
      out.body.append(c.chunk.data(), n);
    }
    if (ec)
      throw transport_error(where + ": the answer's body failed: "
                              + ec.message(),
                            true, out);
  }
  keep = parser.get().keep_alive();
  return out;
}

http_response http_client::perform(const http_url& server, const http_request& req,
                         const body_sink& sink) {
  // POSTs and streamed bodies never go on a pooled connection, so that
  // nothing that is not idempotent is ever sent twice.
  bool poolable = !req.source && req.method != "POST" && req.keep_alive;
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<connection> c;
    if (poolable && attempt == 0)
      c = take(server);
    bool reused = c != nullptr;
    if (!c)
      c = connect(server);
    bool answered = false;
    bool keep = false;
    try {
      auto res = exchange(*c, server, req, sink, answered, keep);
      if (keep)
        give_back(server, std::move(c));
      return res;
    } catch (const transport_error&) {
      if (reused && !answered)
        continue; // closed by the server while idle: once more, anew
      throw;
    }
  }
}

} // namespace vmforge::images
