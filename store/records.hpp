#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "messages/action.hpp"
#include "messages/aggregate.hpp"
#include "messages/instance.hpp"
#include "messages/keypair.hpp"
#include "messages/server_group.hpp"
#include "messages/quota.hpp"
#include "messages/security_group.hpp"

// What the database holds besides instance rows, as plain records: loaded
// once at start, then kept in memory by the actor that owns each of them.
namespace vmforge {

/// A compute host as last seen (Nova's compute_nodes plus its service).
struct host_record {
  std::string host;
  std::string availability_zone;
  resources capacity;
  bool disabled = false;
  std::string disabled_reason;
  int64_t last_seen_us = 0;
  /// os-services force-down (2.11).
  bool forced_down = false;
};

/// What the API handler owns: flavors (and which projects may use each
/// private one), keypairs, quotas, security groups, server groups, host
/// aggregates.
struct catalog_state {
  std::vector<flavor> flavors;
  std::vector<keypair> keypairs;
  std::vector<quota_entry> quotas;
  std::vector<security_group_info> security_groups;
  std::vector<server_group> server_groups;
  std::map<std::string, std::vector<std::string>> flavor_projects;
  std::vector<aggregate> aggregates;
};

/// Everything a database holds, as loaded at start.
struct stored_state {
  std::vector<instance> instances;
  /// (instance id, action with its events), oldest first.
  std::vector<std::pair<std::string, action_record>> actions;
  catalog_state catalog;
  std::vector<host_record> hosts;
};

} // namespace vmforge
