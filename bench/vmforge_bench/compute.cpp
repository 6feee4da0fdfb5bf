#include "bench/vmforge_bench/compute.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <memory>

namespace vmforge::bench {

namespace json = boost::json;

namespace {

const std::string show_call = "GET /servers/{id}";

// The value at server.<field> of a server document, or "".
std::string server_field(const std::string& body, const char* field) {
  boost::system::error_code ec;
  auto doc = json::parse(body, ec);
  if (ec || !doc.is_object())
    return {};
  auto server = doc.as_object().if_contains("server");
  if (!server || !server->is_object())
    return {};
  auto v = server->as_object().if_contains(field);
  return v && v->is_string() ? std::string{v->as_string()} : std::string{};
}

} // namespace

compute::compute(boost::asio::io_context& io, client& http, const options& opts,
                 stats& st)
  : io_(io), http_(http), opts_(opts), stats_(st) {
  json::object server{{"name", "vmforge-bench"},
                      {"flavorRef", opts.flavor},
                      {"imageRef", opts.image}};
  if (!opts.networks.empty())
    server["networks"] = opts.networks;
  create_body_ = json::serialize(json::object{{"server", std::move(server)}});
}

void compute::expect(const reply& r, int status, done_fn& done) {
  if (r.status != status && r.status != 0)
    stats_.error(std::to_string(r.status));
  done(r.status == status);
}

void compute::create(created_fn done) {
  ++stats_.inflight_servers;
  http_.call("POST /servers", http::verb::post, "/servers", create_body_,
             [this, done = std::move(done)](reply r) {
    auto id = r.status == 202 ? server_field(r.body, "id") : std::string{};
    if (r.status == 202 && id.empty())
      stats_.error("202 without server.id");
    else if (r.status != 202 && r.status != 0)
      stats_.error(std::to_string(r.status));
    if (id.empty())
      --stats_.inflight_servers;
    done(!id.empty(), id);
  });
}

void compute::after_poll_interval(std::function<void()> next) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, opts_.poll_interval);
  timer->async_wait([timer, next = std::move(next)](boost::system::error_code) { next(); });
}

void compute::poll(const std::string& id, bench_clock::time_point since, bool gone,
                   done_fn done) {
  http_.call(show_call, http::verb::get, "/servers/" + id, {},
             [this, id, since, gone, done = std::move(done)](reply r) mutable {
    if (gone && r.status == 404) {
      --stats_.inflight_servers;
      return done(true);
    }
    if (!gone && r.status == 200) {
      auto status = server_field(r.body, "status");
      if (status == "ACTIVE") {
        ++stats_.builds;
        stats_.time_to_active.add(bench_clock::now() - since);
        return done(true);
      }
      if (status == "ERROR") {
        stats_.error("server ERROR");
        return done(false);
      }
    } else if (r.status != 200 && r.status != 0) {
      stats_.error(std::to_string(r.status));
    }
    if (bench_clock::now() - since > opts_.build_timeout) {
      stats_.error(gone ? "not gone in build-timeout" : "not ACTIVE in build-timeout");
      return done(false);
    }
    after_poll_interval([this, id, since, gone, done = std::move(done)]() mutable {
      poll(id, since, gone, std::move(done));
    });
  });
}

void compute::wait_active(const std::string& id, bench_clock::time_point since,
                          done_fn done) {
  poll(id, since, false, std::move(done));
}

void compute::wait_gone(const std::string& id, bench_clock::time_point since,
                        done_fn done) {
  poll(id, since, true, std::move(done));
}

void compute::remove(const std::string& id, done_fn done) {
  http_.call("DELETE /servers/{id}", http::verb::delete_, "/servers/" + id, {},
             [this, done = std::move(done)](reply r) mutable { expect(r, 204, done); });
}

void compute::list(done_fn done) {
  http_.call("GET /servers", http::verb::get, "/servers", {},
             [this, done = std::move(done)](reply r) mutable { expect(r, 200, done); });
}

void compute::show(const std::string& id, done_fn done) {
  http_.call(show_call, http::verb::get, "/servers/" + id, {},
             [this, done = std::move(done)](reply r) mutable { expect(r, 200, done); });
}

void compute::versions(done_fn done) {
  http_.call("GET /", http::verb::get, "/", {},
             [this, done = std::move(done)](reply r) mutable { expect(r, 200, done); },
             true);
}

void compute::boot_and_delete(done_fn done) {
  auto start = bench_clock::now();
  create([this, start, done = std::move(done)](bool ok, const std::string& id) mutable {
    if (!ok)
      return done(false);
    wait_active(id, start, [this, id, start, done = std::move(done)](bool ok) mutable {
      // A server that failed to build is deleted all the same.
      remove(id, [this, id, start, built = ok, done = std::move(done)](bool ok) mutable {
        if (!ok) {
          --stats_.inflight_servers;
          return done(false);
        }
        wait_gone(id, bench_clock::now(), [this, start, built, done = std::move(done)](bool ok) mutable {
          if (ok && built) {
            ++stats_.cycles;
            stats_.cycle.add(bench_clock::now() - start);
          }
          done(ok && built);
        });
      });
    });
  });
}

} // namespace vmforge::bench
