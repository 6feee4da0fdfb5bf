#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

// What a user asked of an instance and its steps (Nova's InstanceAction
// and InstanceActionEvent), as the API shows them.
namespace vmforge {

/// One step of an instance action (Nova's InstanceActionEvent).
struct action_event {
  std::string name; // e.g. compute__do_build_and_run_instance
  int64_t start_us = 0;
  int64_t finish_us = 0;
  std::string result; // Success | Error
  std::string host;
  std::string traceback; // the error, shown to admins
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_event& x) {
  return f(caf::meta::type_name("action_event"), x.name, x.start_us,
           x.finish_us, x.result, x.host, x.traceback);
}

/// What a user asked of an instance (Nova's InstanceAction).
struct action_record {
  std::string action; // create, stop, start, reboot, ...
  std::string request_id;
  std::string user_id;
  std::string project_id;
  int64_t start_us = 0;
  std::vector<action_event> events;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_record& x) {
  return f(caf::meta::type_name("action_record"), x.action, x.request_id,
           x.user_id, x.project_id, x.start_us, x.events);
}

struct action_list {
  std::vector<action_record> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, action_list& x) {
  return f(caf::meta::type_name("action_list"), x.items);
}

} // namespace vmforge
