#include "tests/functional/fixture.hpp"

#include <catch2/catch.hpp>

#include "util/log.hpp"
#include "util/uuid.hpp"

namespace vmforge::test {

options test_options(int hosts) {
  auto opts = default_options(hosts);
  opts.quota = quota_limits{-1, -1, -1};
  opts.build_timeout_check_ms = 50;
  opts.scheduler.seed = 42;
  return opts;
}

harness::harness(options opts, driver_factory make_driver) {
  // Reschedules are logged at INFO; the load test makes thousands.
  log::set_level(log::level::warning);
  configure(cfg);
  cfg.set("scheduler.max-threads", 2);
  sys = std::make_unique<caf::actor_system>(cfg);
  self = std::make_unique<caf::scoped_actor>(*sys);
  if (!make_driver)
    make_driver = fake_driver_factory(opts.fake_driver);
  auto started = pipeline::start(*sys, std::move(opts), make_driver);
  REQUIRE(started);
  p = std::move(*started);
  recorder_ = std::make_unique<caf::scoped_actor>(*sys);
  (*self)->send(p->store,
                subscribe_transitions{caf::actor{*recorder_}, false});
}

harness::~harness() {
  p->stop();
  self.reset();
  recorder_.reset();
  p.reset();
  sys.reset();
}

std::string message_of(const caf::error& err) {
  return error_message(err);
}

caf::expected<servers_created> harness::try_create(create_servers req) {
  caf::expected<servers_created> out{caf::sec::request_timeout};
  (*self)->request(p->api, 10s, std::move(req))
    .receive([&](servers_created& r) { out = std::move(r); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

create_servers harness::request(const std::string& name,
                                std::string flavor_id) const {
  create_servers req;
  req.ctx = ctx;
  req.name = name;
  req.flavor_ref = std::move(flavor_id);
  req.image_ref = p->opts().images.front().id;
  return req;
}

std::string harness::create(const std::string& name, std::string flavor_id,
                            std::string az) {
  auto req = request(name, std::move(flavor_id));
  req.availability_zone = std::move(az);
  auto res = try_create(std::move(req));
  REQUIRE(res);
  REQUIRE(res->ids.size() == 1);
  return res->ids.front();
}

caf::expected<accepted> harness::remove(const std::string& id) {
  caf::expected<accepted> out{caf::sec::request_timeout};
  (*self)->request(p->api, 10s, delete_server{ctx, id})
    .receive([&](accepted& r) { out = std::move(r); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

caf::expected<accepted> harness::act(const std::string& id,
                                     const std::string& action) {
  caf::expected<accepted> out{caf::sec::request_timeout};
  (*self)->request(p->api, 10s, server_action{ctx, id, action, false, {}})
    .receive([&](accepted& r) { out = std::move(r); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

caf::expected<instance> harness::show(const std::string& id) {
  caf::expected<instance> out{caf::sec::request_timeout};
  (*self)->request(p->api, 10s, show_server{ctx, id})
    .receive([&](instance& r) { out = std::move(r); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

std::vector<instance> harness::list_all() {
  std::vector<instance> out;
  (*self)->request(p->store, 30s, list_instances{})
    .receive([&](instance_list& r) { out = std::move(r.items); },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

void harness::drain(std::chrono::milliseconds wait) {
  bool first = true;
  for (;;) {
    bool got = false;
    (*recorder_)->receive(
      [&](instance_transition& t) {
        log_[t.id].push_back(std::move(t));
        got = true;
      },
      caf::after(first ? wait : std::chrono::milliseconds{0}) >> [] {});
    first = false;
    if (!got)
      return;
  }
}

bool harness::wait_for(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  drain(0ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    drain(20ms);
  }
  return true;
}

namespace {

bool final_state(const instance_transition& t) {
  return t.task == task_state::none
         && (t.vm == vm_state::active || t.vm == vm_state::error
             || t.vm == vm_state::deleted);
}

} // namespace

instance_transition harness::wait_final(const std::string& id,
                                        std::chrono::milliseconds timeout) {
  auto done = [&] {
    auto i = log_.find(id);
    return i != log_.end() && !i->second.empty()
           && final_state(i->second.back());
  };
  REQUIRE(wait_for(done, timeout));
  return log_[id].back();
}

bool harness::wait_state(const std::string& id, vm_state vm, task_state task,
                         std::chrono::milliseconds timeout) {
  return wait_for(
    [&] {
      for (auto& t : log_[id])
        if (t.vm == vm && t.task == task)
          return true;
      return false;
    },
    timeout);
}

bool harness::wait_deleted(const std::string& id,
                           std::chrono::milliseconds timeout) {
  return wait_state(id, vm_state::deleted, task_state::none, timeout);
}

const std::vector<instance_transition>&
harness::transitions(const std::string& id) {
  drain(0ms);
  return log_[id];
}

std::vector<std::string> harness::sequence(const std::string& id) {
  std::vector<std::string> out;
  for (auto& t : transitions(id))
    out.push_back(std::string{to_string(t.vm)} + "/" + to_string(t.task));
  return out;
}

std::vector<std::string> harness::hosts_tried(const std::string& id) {
  std::vector<std::string> out;
  std::string last;
  for (auto& t : transitions(id)) {
    if (!t.host.empty() && t.host != last)
      out.push_back(t.host);
    last = t.host;
  }
  return out;
}

std::vector<action_record> harness::actions(const std::string& id) {
  std::vector<action_record> out;
  (*self)->request(p->store, 10s, get_actions{id})
    .receive([&](action_list& r) { out = std::move(r.items); },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

std::vector<host_view> harness::host_views() {
  std::vector<host_view> out;
  (*self)->request(p->scheduler, 10s, get_host_views{})
    .receive([&](host_view_list& r) { out = std::move(r.items); },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

host_usage harness::usage(const std::string& host) {
  host_usage out;
  (*self)->request(compute(host), 10s, get_host_usage{})
    .receive([&](host_usage& r) { out = std::move(r); },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

conductor_stats harness::stats() {
  conductor_stats out;
  (*self)->request(p->conductor, 10s, get_conductor_stats{})
    .receive([&](conductor_stats& r) { out = r; },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

restart_counts harness::restarts() {
  restart_counts out;
  (*self)->request(p->supervisor, 10s, get_restarts{})
    .receive([&](restart_counts& r) { out = std::move(r); },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

compute_actor harness::compute(const std::string& host) {
  compute_actor out;
  (*self)->request(p->supervisor, 10s, get_compute{host})
    .receive([&](compute_actor& r) { out = r; },
             [&](caf::error& err) { FAIL(message_of(err)); });
  return out;
}

} // namespace vmforge::test
