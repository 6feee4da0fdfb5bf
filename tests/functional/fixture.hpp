#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/api/api_actor.hpp"
#include "actors/compute/compute_actor.hpp"
#include "actors/conductor/conductor_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "app/pipeline.hpp"
#include "messages/errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace vmforge::test {

using namespace std::chrono_literals;

/// Options for tests: `hosts` fake hosts, unlimited quota, quick timers.
options test_options(int hosts);

/// An actor system with the whole pipeline running, plus helpers that
/// drive it through the API handler the way the HTTP layer will, and a
/// recorder subscribed to every instance transition from the start.
class harness {
public:
  explicit harness(options opts, driver_factory make_driver = {});
  ~harness();

  /// A create request of this caller for the catalog's first image.
  create_servers request(const std::string& name = "vm",
                         std::string flavor_id = "1") const;
  caf::expected<servers_created> try_create(create_servers req);
  /// Creates one server of `flavor_id` and returns its id (REQUIREs success).
  std::string create(const std::string& name = "vm", std::string flavor_id = "1",
                     std::string az = {});
  caf::expected<accepted> remove(const std::string& id);
  /// POST /servers/{id}/action with `action` (e.g. "os-stop").
  caf::expected<accepted> act(const std::string& id, const std::string& action);
  caf::expected<instance> show(const std::string& id);
  std::vector<instance> list_all();

  /// Waits until `pred` holds over the recorded transitions.
  bool wait_for(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = 20s);
  /// Waits until the instance is ACTIVE, ERROR or gone; returns the last
  /// recorded transition.
  instance_transition wait_final(const std::string& id,
                                 std::chrono::milliseconds timeout = 20s);
  /// Waits until the instance is gone (deleted/none).
  bool wait_deleted(const std::string& id,
                    std::chrono::milliseconds timeout = 20s);
  /// Waits until the instance reached the given state.
  bool wait_state(const std::string& id, vm_state vm, task_state task,
                  std::chrono::milliseconds timeout = 20s);
  const std::vector<instance_transition>& transitions(const std::string& id);
  /// The (vm_state, task_state) sequence of an instance, as "vm/task" text.
  std::vector<std::string> sequence(const std::string& id);
  /// Hosts the instance was placed on, in order (each set_host to non-empty).
  std::vector<std::string> hosts_tried(const std::string& id);

  std::vector<action_record> actions(const std::string& id);
  std::vector<host_view> host_views();
  host_usage usage(const std::string& host);
  conductor_stats stats();
  restart_counts restarts();
  compute_actor compute(const std::string& host);

  request_context ctx{"user-a", "project-a", false, "req-test", {}};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<pipeline> p;
  std::unique_ptr<caf::scoped_actor> self;

private:
  void drain(std::chrono::milliseconds wait);

  std::unique_ptr<caf::scoped_actor> recorder_;
  std::map<std::string, std::vector<instance_transition>> log_;
};

/// Text of an error's Nova message.
std::string message_of(const caf::error& err);

} // namespace vmforge::test
