#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "messages/aggregate.hpp"
#include "messages/host_report.hpp"
#include "messages/instance.hpp"
#include "messages/server_group.hpp"

// The scheduler's protocol (Nova's scheduler rpcapi): placement with claims,
// host reports, and the operators' view of the hosts.
namespace vmforge {

/// What the scheduler needs to place one instance (Nova's RequestSpec).
struct request_spec {
  std::string instance_id;
  std::string project_id;
  resources need;
  std::string availability_zone;
  /// The flavor's extra specs and the image's properties (the aggregate
  /// filters read them) and the create's scheduler hints.
  std::map<std::string, std::string> extra_specs;
  std::map<std::string, std::string> image_properties;
  std::map<std::string, std::vector<std::string>> scheduler_hints;
  /// The instance's server group (Nova's RequestSpec.instance_group).
  instance_group_spec instance_group;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_spec& x) {
  return f(caf::meta::type_name("request_spec"), x.instance_id, x.project_id,
           x.need, x.availability_zone, x.extra_specs, x.image_properties,
           x.scheduler_hints, x.instance_group);
}

/// Conductor -> scheduler. `ignore_hosts` are the hosts already tried.
struct select_destinations {
  request_spec spec;
  std::vector<std::string> ignore_hosts;
  int32_t num_alternates = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, select_destinations& x) {
  return f(caf::meta::type_name("select_destinations"), x.spec,
           x.ignore_hosts, x.num_alternates);
}

/// The chosen host (already claimed) plus unclaimed alternates, best first.
/// `availability_zone` is the chosen host's (its zone aggregate's, else its
/// configured one): Nova stores it on the instance once scheduled.
struct host_selection {
  std::string instance_id;
  std::string host;
  std::vector<std::string> alternates;
  std::string availability_zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_selection& x) {
  return f(caf::meta::type_name("host_selection"), x.instance_id, x.host,
           x.alternates, x.availability_zone);
}

/// Conductor -> scheduler: claim an alternate before rescheduling onto it.
struct claim_host {
  request_spec spec;
  std::string host;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, claim_host& x) {
  return f(caf::meta::type_name("claim_host"), x.spec, x.host);
}

struct host_claimed {
  std::string instance_id;
  std::string host;
  /// As host_selection's.
  std::string availability_zone;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_claimed& x) {
  return f(caf::meta::type_name("host_claimed"), x.instance_id, x.host,
           x.availability_zone);
}

/// Give back whatever the scheduler holds for an instance.
struct release_claim {
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, release_claim& x) {
  return f(caf::meta::type_name("release_claim"), x.instance_id);
}

/// Compute manager -> scheduler, before a group member's spawn (Nova's
/// _validate_instance_group_policy): where the group's other members are,
/// as the scheduler's claims place them.
struct get_group_hosts {
  instance_group_spec group;
  std::string instance_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_group_hosts& x) {
  return f(caf::meta::type_name("get_group_hosts"), x.group, x.instance_id);
}

/// The members of a group other than the one asking, by host.
struct group_hosts {
  std::map<std::string, std::vector<std::string>> members;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_hosts& x) {
  return f(caf::meta::type_name("group_hosts"), x.members);
}

/// The scheduler's view of one host.
struct host_view {
  std::string host;
  std::string availability_zone;
  resources capacity;
  resources used;
  allocation_ratios ratios;
  bool enabled = true;
  bool up = true;
  int64_t claims = 0;
  std::string disabled_reason;
  /// As the host reports it: "fake", "QEMU", "TEST".
  std::string hypervisor_type;
  bool forced_down = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_view& x) {
  return f(caf::meta::type_name("host_view"), x.host, x.availability_zone,
           x.capacity, x.used, x.ratios, x.enabled, x.up, x.claims,
           x.disabled_reason, x.hypervisor_type, x.forced_down);
}

/// os-services disable/enable of a compute host.
struct set_host_status {
  std::string host;
  bool disabled = false;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_host_status& x) {
  return f(caf::meta::type_name("set_host_status"), x.host, x.disabled,
           x.reason);
}

/// os-services force-down of a compute host (2.11): sets or clears it.
struct force_host_down {
  std::string host;
  bool forced_down = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, force_host_down& x) {
  return f(caf::meta::type_name("force_host_down"), x.host, x.forced_down);
}

struct get_host_views {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_host_views&) {
  return f(caf::meta::type_name("get_host_views"));
}

struct host_view_list {
  std::vector<host_view> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_view_list& x) {
  return f(caf::meta::type_name("host_view_list"), x.items);
}

/// API -> scheduler: every aggregate, at start and after each change (the
/// aggregate filters read their metadata, a zone aggregate sets its hosts'
/// availability zone).
struct set_host_aggregates {
  std::vector<aggregate> aggregates;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, set_host_aggregates& x) {
  return f(caf::meta::type_name("set_host_aggregates"), x.aggregates);
}

using scheduler_actor = caf::typed_actor<
  caf::replies_to<select_destinations>::with<host_selection>,
  caf::replies_to<claim_host>::with<host_claimed>,
  caf::reacts_to<release_claim>, caf::reacts_to<host_report>,
  caf::reacts_to<compute_offline>,
  caf::replies_to<set_host_status>::with<host_view_list>,
  caf::replies_to<force_host_down>::with<host_view_list>,
  caf::replies_to<get_host_views>::with<host_view_list>,
  caf::replies_to<get_group_hosts>::with<group_hosts>,
  caf::reacts_to<set_host_aggregates>>;

} // namespace vmforge
