#include "actors/image/image_api.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <utility>

#include <caf/all.hpp>

#include "messages/deadline_tick.hpp"
#include "messages/errors.hpp"
#include "util/deadline_queue.hpp"
#include "util/log.hpp"

namespace vmforge {

namespace {

constexpr const char* log_name = "image_api";

// -- workers ------------------------------------------------------------------

// Where the service's image_url points, without "/images/<id>": the
// server GlanceConnectionFailed names.
std::string endpoint_of(const images::image_service& svc) {
  auto url = svc.image_url("");
  const std::string tail = "/images/";
  if (url.size() >= tail.size()
      && url.compare(url.size() - tail.size(), tail.size(), tail) == 0)
    url.resize(url.size() - tail.size());
  return url.empty() ? std::string{"embedded"} : url;
}

// Runs one blocking call, its failure as Nova's error.
template <class T, class F>
caf::result<T> guarded(const images::image_service& svc, const char* call,
                       const std::string& id, F f) {
  try {
    return f();
  } catch (const images::image_error& e) {
    auto err = image_failure(e, id, endpoint_of(svc));
    if (e.code() == images::image_errc::connection_failed
        || static_cast<errc>(err.code()) == errc::internal)
      log::error(log_name, call, " ", id, ": ", e.what());
    return err;
  } catch (const std::exception& e) {
    log::error(log_name, call, " ", id, ": ", e.what());
    return nova_error(errc::internal,
                      std::string{"image service: "} + e.what());
  }
}

image_actor::behavior_type image_worker(image_actor::pointer,
                                        images::image_service_ptr svc) {
  return {
    [svc](image_show& q) {
      return guarded<image>(*svc, "show", q.id,
                            [&] { return svc->show(q.auth, q.id); });
    },
    [svc](image_query& q) {
      return guarded<image_records>(*svc, "list", q.name, [&] {
        images::list_query lq;
        lq.name = q.name;
        lq.status = q.status;
        lq.visibility = q.visibility;
        lq.limit = static_cast<size_t>(q.limit);
        return image_records{svc->list(q.auth, lq)};
      });
    },
    [svc](image_new& q) {
      return guarded<image>(*svc, "create", q.name, [&] {
        images::image_create req;
        req.name = q.name;
        req.visibility = q.visibility;
        req.min_ram_mb = q.min_ram_mb;
        req.min_disk_gb = q.min_disk_gb;
        req.properties = q.properties;
        return svc->create(q.auth, req);
      });
    },
    [svc](image_remove& q) {
      return guarded<image_removed>(*svc, "delete", q.id, [&] {
        svc->remove(q.auth, q.id);
        return image_removed{q.id};
      });
    },
  };
}

// -- the dispatcher -----------------------------------------------------------

using dispatcher_actor = image_actor::extend<caf::reacts_to<deadline_tick>>;

struct dispatcher_state;
using dispatcher_pointer = dispatcher_actor::stateful_pointer<dispatcher_state>;

// One request: its deadline's token, and how to run it on a worker (which
// answers the caller and frees the worker).
struct job {
  deadline_queue::token open;
  std::function<void(dispatcher_pointer, size_t)> start;
};

struct dispatcher_state {
  static inline const char* name = "image_api";
  std::vector<image_actor> workers;
  /// Workers without a request, first come first served.
  std::deque<size_t> idle;
  /// Requests waiting for a worker, oldest first.
  std::deque<job> backlog;
  caf::timespan timeout = image_request_timeout;
  deadline_queue deadlines;
  bool armed = false;
};

void arm(dispatcher_pointer self, deadline_queue::time_point due) {
  self->state.armed = true;
  self->delayed_send(self, due - self->clock().now(), deadline_tick{});
}

// A worker is free: the oldest request still waiting goes to it.
void release(dispatcher_pointer self, size_t worker) {
  auto& st = self->state;
  while (!st.backlog.empty()) {
    auto j = std::move(st.backlog.front());
    st.backlog.pop_front();
    if (*j.open) // answered meanwhile (its deadline passed): never run
      continue;
    j.start(self, worker);
    return;
  }
  st.idle.push_back(worker);
}

// What a request is, for the log line of one that timed out.
std::string describe(const image_show& q) {
  return "image_show " + q.id;
}
std::string describe(const image_query& q) {
  return "image_query name=" + q.name;
}
std::string describe(const image_new& q) {
  return "image_new " + q.name;
}
std::string describe(const image_remove& q) {
  return "image_remove " + q.id;
}

template <class Reply, class Msg>
caf::result<Reply> dispatch(dispatcher_pointer self, Msg msg) {
  auto& st = self->state;
  auto what = describe(msg);
  auto rp = self->make_response_promise<Reply>();
  auto due = self->clock().now() + st.timeout;
  auto open = st.deadlines.add(due, [rp, what,
                                     secs = std::chrono::duration_cast<
                                       std::chrono::seconds>(st.timeout)
                                       .count()]() mutable {
    log::error(log_name, "no answer within ", secs, " s: ", what);
    rp.deliver(nova_error(errc::service_unavailable,
                          "Service is unavailable at this time."));
  });
  if (!st.armed)
    arm(self, due);
  job j{open, [rp, open, msg = std::move(msg)](dispatcher_pointer self,
                                               size_t worker) mutable {
          self
            ->request(self->state.workers[worker], caf::infinite,
                      std::move(msg))
            .then(
              [self, rp, open, worker](Reply& x) mutable {
                if (deadline_queue::settle(open))
                  rp.deliver(std::move(x));
                release(self, worker);
              },
              [self, rp, open, worker](caf::error& err) mutable {
                if (deadline_queue::settle(open))
                  rp.deliver(std::move(err));
                release(self, worker);
              });
        }};
  if (st.idle.empty()) {
    st.backlog.push_back(std::move(j));
  } else {
    auto worker = st.idle.front();
    st.idle.pop_front();
    j.start(self, worker);
  }
  return rp;
}

dispatcher_actor::behavior_type
dispatcher(dispatcher_pointer self, std::vector<image_actor> workers,
           image_api_config cfg) {
  auto& st = self->state;
  st.timeout = cfg.timeout;
  if (workers.empty())
    for (size_t i = 0; i < std::max<size_t>(cfg.workers, 1); ++i)
      workers.push_back(
        cfg.detached
          ? self->spawn<caf::detached + caf::linked>(image_worker, cfg.service)
          : self->spawn<caf::linked>(image_worker, cfg.service));
  st.workers = std::move(workers);
  for (size_t i = 0; i < st.workers.size(); ++i)
    st.idle.push_back(i);
  return {
    [self](image_show& q) { return dispatch<image>(self, std::move(q)); },
    [self](image_query& q) {
      return dispatch<image_records>(self, std::move(q));
    },
    [self](image_new& q) { return dispatch<image>(self, std::move(q)); },
    [self](image_remove& q) {
      return dispatch<image_removed>(self, std::move(q));
    },
    [self](deadline_tick) {
      auto& st = self->state;
      st.armed = false;
      if (auto next = st.deadlines.expire(self->clock().now()))
        arm(self, *next);
    },
  };
}

} // namespace

caf::error image_failure(const images::image_error& e, const std::string& id,
                         const std::string& server) {
  using images::image_errc;
  switch (e.code()) {
    case image_errc::not_found:
      return nova_error(errc::image_not_found, id);
    case image_errc::not_authorized:
      return nova_error(errc::image_not_authorized, id);
    case image_errc::bad_request:
      return nova_error(errc::image_bad_request, id, e.what());
    case image_errc::over_quota:
      return nova_error(errc::image_quota_exceeded, id);
    case image_errc::conflict:
      return nova_error(errc::image_delete_conflict, e.what());
    case image_errc::connection_failed:
      return nova_error(errc::glance_connection_failed, server, e.what());
    case image_errc::http_error:
    case image_errc::no_data:
    case image_errc::checksum_mismatch:
    case image_errc::short_read:
    case image_errc::io_error:
      break;
  }
  return nova_error(errc::internal,
                    "image service " + e.call() + " of " + id + ": "
                      + e.what());
}

image_actor spawn_image_api(caf::actor_system& sys, image_api_config cfg) {
  return sys.spawn(dispatcher, std::vector<image_actor>{}, std::move(cfg));
}

image_actor spawn_image_dispatcher(caf::actor_system& sys,
                                   std::vector<image_actor> workers,
                                   caf::timespan timeout) {
  image_api_config cfg;
  cfg.timeout = timeout;
  return sys.spawn(dispatcher, std::move(workers), std::move(cfg));
}

image_actor spawn_image_worker(caf::actor_system& sys,
                               images::image_service_ptr service,
                               bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(image_worker, std::move(service));
  return sys.spawn(image_worker, std::move(service));
}

} // namespace vmforge
