#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "actors/store/store_actor.hpp"
#include "metrics/registry.hpp"
#include "store/instance_repository.hpp"

namespace vmforge {

class store_writer;

/// The one actor that owns the instance rows: every state transition of the
/// pipeline reaches the repository (the rows in memory, which answer every
/// read) and, with a database, the writer; observers subscribed to it see
/// each transition as it is applied. It also writes the API handler's
/// catalog (flavors, keypairs, quotas, security groups) and hosts' status.
/// Answers to client-visible changes (create, task start, edits, catalog
/// writes) wait until those writes are durable. It allocates the
/// instances' addresses on `networks` (store/ipam.hpp). It keeps
/// vmforge_instances{vm_state} equal to the rows.
store_actor spawn_instance_store(caf::actor_system& sys,
                                 std::shared_ptr<instance_repository> repo,
                                 metrics::registry_ptr metrics,
                                 std::shared_ptr<store_writer> writer = nullptr,
                                 std::vector<network> networks = {});

} // namespace vmforge
