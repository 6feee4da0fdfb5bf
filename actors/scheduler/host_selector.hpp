#pragma once

#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/expected.hpp>

#include "actors/scheduler/filters/filters.hpp"
#include "actors/scheduler/host_state.hpp"
#include "actors/scheduler/scheduler_actor.hpp"
#include "actors/scheduler/weighers/weighers.hpp"
#include "config/options.hpp"
#include "metrics/registry.hpp"

namespace vmforge {

/// An operator's say on a host (os-services) as the database holds it.
struct stored_status {
  std::string host;
  bool disabled = false;
  std::string reason;
  bool forced_down = false;
};

/// The filter scheduler without the actor around it: host states, filters,
/// weighers and the claims made at selection time. Not thread-safe; the
/// scheduler actor owns one.
class host_selector {
public:
  /// Fails on an unknown filter name. With `metrics`, selections count the
  /// hosts each filter considered and passed.
  static caf::expected<host_selector>
  make(const scheduler_options& opts,
       metrics::scheduler_metrics* metrics = nullptr);

  /// Registers a host or refreshes its capacity and heartbeat; claims what
  /// the report says the host holds, unless claimed already.
  void report(const host_report& r, steady_time now);

  /// Filters, weighs, claims the chosen host; alternates are not claimed.
  caf::expected<host_selection> select(const select_destinations& req,
                                       steady_time now);

  /// Claims a given host (an alternate) if it still passes the filters.
  caf::expected<host_claimed> claim(const claim_host& req, steady_time now);

  /// An operator disables or enables a host; false if it is unknown.
  bool set_status(const set_host_status& req);

  /// An operator forces a host down or clears it; false if it is unknown.
  bool force_down(const force_host_down& req);

  /// The status the database holds for a host, applied when it registers
  /// (a controller's hosts register only once they rejoin).
  void preset_status(stored_status status);

  /// The host's compute process is gone: ComputeFilter fails the host
  /// until its next report. False if it is unknown.
  bool offline(const compute_offline& c);

  /// Every aggregate: each host's aggregate metadata and zone (a zone
  /// aggregate's, else its reported one), for hosts that register later
  /// too.
  void set_aggregates(const std::vector<aggregate>& aggregates);

  /// Releases the instance's claim, if it holds one; it leaves the server
  /// groups the selector knew it in.
  void release(const std::string& instance_id);

  /// Where a group's members other than `instance_id` hold claims, by host
  /// (Nova's InstanceGroup.get_hosts, from the claims: builds in flight
  /// included).
  group_hosts members_of(const get_group_hosts& req);

  std::vector<host_view> views(steady_time now) const;

  size_t host_count() const {
    return hosts_.size();
  }

  /// The host's state; nullptr if it never reported.
  const host_state* find(const std::string& name) const;

  std::chrono::seconds service_down_time() const {
    return std::chrono::seconds{opts_.service_down_time_s};
  }

private:
  /// Per filter: hosts considered, hosts passed.
  using filter_counters
    = std::vector<std::pair<metrics::Counter*, metrics::Counter*>>;

  explicit host_selector(const scheduler_options& opts,
                         std::vector<host_filter> filters,
                         filter_counters counters);

  /// The index of the first filter the host fails; filters_.size() if it
  /// passes them all.
  size_t first_failing(const host_state& host, const request_spec& spec,
                       const filter_context& ctx) const;
  bool passes(const host_state& host, const request_spec& spec,
              const filter_context& ctx) const;
  void count_filters();
  void add_claim(const std::string& instance_id, size_t host,
                 const resources& need);
  void drop_claim(const std::string& instance_id);
  /// Learns the group's members (every spec names those the API knew) and
  /// answers the spec with the hosts of those other than the instance.
  const request_spec& with_group_hosts(const request_spec& spec);
  void remember(const instance_group_spec& g, const std::string& instance_id);
  /// Calls f(member, host) for each of the group's members other than
  /// `instance_id` that holds a claim.
  template <class F>
  void each_placed(const std::string& group_id, const std::string& instance_id,
                   F f) const;
  filter_context context(steady_time now) const;

  scheduler_options opts_;
  std::vector<host_filter> filters_;
  filter_counters counters_;
  std::vector<weigher> weighers_;
  std::vector<host_state> hosts_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_map<std::string, stored_status> presets_;
  /// By host: its aggregates' metadata and the zone they give it.
  struct host_aggregates {
    std::shared_ptr<const aggregate_metadata> metadata;
    std::string zone;
  };
  std::unordered_map<std::string, host_aggregates> aggregates_;
  void apply_aggregates(host_state& h) const;
  struct claim_entry {
    size_t host;
    resources need;
  };
  std::unordered_map<std::string, claim_entry> claims_;
  /// Server groups' members as the specs named them, and each member's
  /// group: a member created after an earlier one was placed is known to
  /// the later placements of that earlier one's group too.
  std::unordered_map<std::string, std::unordered_set<std::string>> groups_;
  std::unordered_map<std::string, std::string> group_of_;
  request_spec grouped_;
  std::mt19937_64 rng_;
  // Scratch space reused by every selection.
  std::vector<size_t> candidates_;
  std::vector<double> weights_;
  std::vector<size_t> order_;
  /// Hosts of this selection by the first filter they failed (the last
  /// slot: those that passed all).
  std::vector<uint64_t> stops_;
};

} // namespace vmforge
