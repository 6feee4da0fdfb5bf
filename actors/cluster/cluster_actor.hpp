#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/conductor/conductor_actor.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/store/store_actor.hpp"
#include "messages/instance.hpp"

// The cluster's protocol: how a compute process (`vmforged --role compute`)
// joins its controller. Everything after the join is the services' own
// messages (compute_actor, conductor_actor, scheduler_actor, store_actor)
// carried by CAF's middleman; docs/cluster.md has the whole story.
namespace vmforge {

/// Raised whenever a message of any of the interfaces above changes in a
/// way an older peer cannot read: a controller refuses a compute of another
/// version (and the compute exits with code 2). 2: errc gained
/// host_binary_not_found, which renumbered the codes after it. 3:
/// build_request carries the image record and the caller's image_auth, errc
/// gained the image errors (ImageNotActive ...), and list_images/image_list
/// left the type ID block, renumbering what came after them. 4: createImage
/// and shelve (instance_operation, the shelve states, the instance's system
/// metadata, build_request's unshelve, two more errcs).
constexpr uint32_t cluster_protocol_version = 4;

/// One domain of the compute's hypervisor, as its driver reports it.
struct domain_state {
  std::string instance_id;
  power_state power = power_state::nostate;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, domain_state& x) {
  return f(caf::meta::type_name("domain_state"), x.instance_id, x.power);
}

/// The compute side's link to its controller, one per process; the
/// controller monitors it to notice a compute that dies or loses its link.
/// `link_retry` is its own timer.
struct link_retry {
  uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_retry& x) {
  return f(caf::meta::type_name("link_retry"), x.generation);
}

using controller_link_actor = caf::typed_actor<caf::reacts_to<link_retry>>;

/// The link's blocking calls to its hypervisor, each on a detached actor of
/// its own (never on CAF's scheduler threads): what it holds, for the join,
/// and what the join's reconciliation asks of it.
struct list_domains {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_domains&) {
  return f(caf::meta::type_name("list_domains"));
}

struct domain_list {
  std::vector<domain_state> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, domain_list& x) {
  return f(caf::meta::type_name("domain_list"), x.items);
}

struct prepare_host {
  std::vector<std::string> destroy;
  std::vector<std::string> power_off;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prepare_host& x) {
  return f(caf::meta::type_name("prepare_host"), x.destroy, x.power_off);
}

/// What the driver refused, one line per call, for the log.
struct host_prepared {
  std::vector<std::string> failures;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_prepared& x) {
  return f(caf::meta::type_name("host_prepared"), x.failures);
}

using hypervisor_probe_actor
  = caf::typed_actor<caf::replies_to<list_domains>::with<domain_list>,
                     caf::replies_to<prepare_host>::with<host_prepared>>;

/// Compute -> controller, the first request over a new connection.
/// A compute is named by its `--host` and its incarnation (its process's
/// start, microseconds since the epoch), never by CAF's node id, which
/// changes with the machine's interfaces.
struct join_request {
  uint32_t protocol_version = cluster_protocol_version;
  std::string host;
  uint64_t incarnation = 0;
  /// Joins of this incarnation so far (0 on the first).
  uint32_t rejoins = 0;
  controller_link_actor link;
  /// What the hypervisor holds now, for the controller's reconciliation.
  std::vector<domain_state> domains;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_request& x) {
  return f(caf::meta::type_name("join_request"), x.protocol_version, x.host,
           x.incarnation, x.rejoins, x.link, x.domains);
}

/// Controller -> compute: joined. The services the compute manager talks
/// to, and what its hypervisor must do before the host takes builds (as
/// Nova's init_host: domains no instance of this host accounts for, and
/// SHUTOFF instances found running).
struct join_accepted {
  uint32_t protocol_version = cluster_protocol_version;
  conductor_actor conductor;
  scheduler_actor scheduler;
  store_actor store;
  std::vector<std::string> destroy;
  std::vector<std::string> power_off;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_accepted& x) {
  return f(caf::meta::type_name("join_accepted"), x.protocol_version,
           x.conductor, x.scheduler, x.store, x.destroy, x.power_off);
}

/// The controller's view of its joined compute processes.
struct get_cluster_hosts {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_cluster_hosts&) {
  return f(caf::meta::type_name("get_cluster_hosts"));
}

struct cluster_host {
  std::string host;
  uint64_t incarnation = 0;
  bool connected = false;
  /// Joins accepted for this host since the controller started.
  int64_t joins = 0;
  int64_t link_losses = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_host& x) {
  return f(caf::meta::type_name("cluster_host"), x.host, x.incarnation,
           x.connected, x.joins, x.link_losses);
}

struct cluster_host_list {
  std::vector<cluster_host> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_host_list& x) {
  return f(caf::meta::type_name("cluster_host_list"), x.items);
}

/// The actor a controller publishes on its cluster port.
using cluster_actor = caf::typed_actor<
  caf::replies_to<join_request>::with<join_accepted>,
  caf::replies_to<get_cluster_hosts>::with<cluster_host_list>>;

} // namespace vmforge
