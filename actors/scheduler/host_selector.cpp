#include "actors/scheduler/host_selector.hpp"

#include <algorithm>

#include "actors/scheduler/weighers/server_group_weighers.hpp"
#include "messages/errors.hpp"

namespace vmforge {

namespace {

void apply(host_state& h, const stored_status& s) {
  h.admin_disabled = s.disabled;
  h.disabled_reason = s.disabled ? s.reason : "";
  h.forced_down = s.forced_down;
}

} // namespace

caf::expected<host_selector>
host_selector::make(const scheduler_options& opts,
                    metrics::scheduler_metrics* metrics) {
  auto filters = make_filters(opts.enabled_filters);
  if (!filters)
    return filters.error();
  filter_counters counters;
  if (metrics)
    for (auto& f : *filters)
      counters.emplace_back(&metrics->considered.Add({{"filter", f.name}}),
                            &metrics->passed.Add({{"filter", f.name}}));
  return host_selector{opts, std::move(*filters), std::move(counters)};
}

host_selector::host_selector(const scheduler_options& opts,
                             std::vector<host_filter> filters,
                             filter_counters counters)
  : opts_(opts),
    filters_(std::move(filters)),
    counters_(std::move(counters)),
    weighers_{{ram_weigher, opts.ram_weight_multiplier},
              {cpu_weigher, opts.cpu_weight_multiplier},
              {disk_weigher, opts.disk_weight_multiplier},
              {server_group_soft_affinity_weigher,
               opts.soft_affinity_weight_multiplier},
              {server_group_soft_anti_affinity_weigher,
               opts.soft_anti_affinity_weight_multiplier}},
    rng_(opts.seed != 0 ? opts.seed : std::random_device{}()) {
  // nop
}

filter_context host_selector::context(steady_time now) const {
  return {now, std::chrono::seconds{opts_.service_down_time_s},
          &opts_.aggregate_image_properties_isolation_namespace,
          &opts_.aggregate_image_properties_isolation_separator};
}

void host_selector::apply_aggregates(host_state& h) const {
  auto i = aggregates_.find(h.name);
  if (i == aggregates_.end()) {
    h.aggregates.reset();
    h.availability_zone = h.reported_zone;
    return;
  }
  h.aggregates = i->second.metadata;
  h.availability_zone = i->second.zone.empty() ? h.reported_zone
                                               : i->second.zone;
}

void host_selector::set_aggregates(const std::vector<aggregate>& aggregates) {
  std::unordered_map<std::string, aggregate_metadata> merged;
  std::unordered_map<std::string, std::string> zones;
  for (auto& a : aggregates)
    for (auto& host : a.hosts) {
      auto& meta = merged[host];
      for (auto& kv : a.metadata) {
        auto& values = meta[kv.first];
        size_t start = 0;
        while (start <= kv.second.size()) {
          auto end = kv.second.find(',', start);
          if (end == std::string::npos)
            end = kv.second.size();
          auto item = kv.second.substr(start, end - start);
          auto first = item.find_first_not_of(" \t");
          auto last = item.find_last_not_of(" \t");
          values.insert(first == std::string::npos
                          ? std::string{}
                          : item.substr(first, last - first + 1));
          start = end + 1;
        }
      }
      if (auto zone = a.availability_zone(); !zone.empty())
        zones[host] = zone;
    }
  aggregates_.clear();
  for (auto& kv : merged)
    aggregates_[kv.first] = host_aggregates{
      std::make_shared<const aggregate_metadata>(std::move(kv.second)),
      zones[kv.first]};
  for (auto& h : hosts_)
    apply_aggregates(h);
}

void host_selector::report(const host_report& r, steady_time now) {
  auto i = index_.find(r.host);
  if (i == index_.end()) {
    i = index_.emplace(r.host, hosts_.size()).first;
    hosts_.emplace_back();
    hosts_.back().name = r.host;
    if (auto p = presets_.find(r.host); p != presets_.end()) {
      apply(hosts_.back(), p->second);
      presets_.erase(p);
    }
  }
  auto& h = hosts_[i->second];
  h.reported_zone = r.availability_zone;
  apply_aggregates(h);
  h.capacity = r.capacity;
  h.ratios = r.ratios;
  h.enabled = r.enabled;
  h.hypervisor_down = r.hypervisor_down;
  h.hypervisor_type = r.hypervisor_type;
  h.offline.clear();
  h.last_seen = now;
  for (size_t k = 0; k < r.held_ids.size() && k < r.held.size(); ++k)
    if (claims_.count(r.held_ids[k]) == 0)
      add_claim(r.held_ids[k], i->second, r.held[k]);
}

size_t host_selector::first_failing(const host_state& host,
                                    const request_spec& spec,
                                    const filter_context& ctx) const {
  size_t f = 0;
  while (f < filters_.size() && filters_[f].passes(host, spec, ctx))
    ++f;
  return f;
}

bool host_selector::passes(const host_state& host, const request_spec& spec,
                           const filter_context& ctx) const {
  return first_failing(host, spec, ctx) == filters_.size();
}

// Once per selection, not per host: a few atomic adds however many hosts.
void host_selector::count_filters() {
  if (counters_.empty())
    return;
  // A filter passed the hosts that reached the next one.
  auto passed = stops_.back();
  for (size_t f = filters_.size(); f-- > 0;) {
    auto considered = passed + stops_[f];
    counters_[f].first->Increment(static_cast<double>(considered));
    counters_[f].second->Increment(static_cast<double>(passed));
    passed = considered;
  }
}

const host_state* host_selector::find(const std::string& name) const {
  auto i = index_.find(name);
  return i == index_.end() ? nullptr : &hosts_[i->second];
}

void host_selector::add_claim(const std::string& instance_id, size_t host,
                              const resources& need) {
  drop_claim(instance_id);
  hosts_[host].used += need;
  hosts_[host].claims += 1;
  claims_.emplace(instance_id, claim_entry{host, need});
}

bool host_selector::set_status(const set_host_status& req) {
  auto i = index_.find(req.host);
  if (i == index_.end())
    return false;
  hosts_[i->second].admin_disabled = req.disabled;
  hosts_[i->second].disabled_reason = req.disabled ? req.reason : "";
  return true;
}

bool host_selector::force_down(const force_host_down& req) {
  auto i = index_.find(req.host);
  if (i == index_.end())
    return false;
  hosts_[i->second].forced_down = req.forced_down;
  return true;
}

// The claims stay: those of builds in flight there are released by the
// conductor as it reschedules them, those of instances on the host still
// hold (the instances do).
bool host_selector::offline(const compute_offline& c) {
  auto i = index_.find(c.host);
  if (i == index_.end())
    return false;
  hosts_[i->second].offline = c.reason.empty() ? "offline" : c.reason;
  return true;
}

void host_selector::preset_status(stored_status status) {
  if (auto i = index_.find(status.host); i != index_.end())
    apply(hosts_[i->second], status);
  else
    presets_[status.host] = std::move(status);
}

void host_selector::release(const std::string& instance_id) {
  drop_claim(instance_id);
  auto g = group_of_.find(instance_id);
  if (g == group_of_.end())
    return;
  auto members = groups_.find(g->second);
  members->second.erase(instance_id);
  if (members->second.empty())
    groups_.erase(members);
  group_of_.erase(g);
}

void host_selector::remember(const instance_group_spec& g,
                             const std::string& instance_id) {
  auto& members = groups_[g.id];
  for (auto& id : g.members)
    if (members.insert(id).second)
      group_of_[id] = g.id;
  if (members.insert(instance_id).second)
    group_of_[instance_id] = g.id;
}

group_hosts host_selector::members_of(const get_group_hosts& req) {
  group_hosts out;
  if (req.group.empty())
    return out;
  remember(req.group, req.instance_id);
  each_placed(req.group.id, req.instance_id,
              [&](const std::string& id, const std::string& host) {
                out.members[host].push_back(id);
              });
  return out;
}

const request_spec& host_selector::with_group_hosts(const request_spec& spec) {
  if (spec.instance_group.empty())
    return spec;
  remember(spec.instance_group, spec.instance_id);
  // A copy per grouped selection: the group filters and weighers read the
  // hosts from the spec, as Nova's do.
  grouped_ = spec;
  auto& hosts = grouped_.instance_group.hosts;
  hosts.clear();
  each_placed(spec.instance_group.id, spec.instance_id,
              [&](const std::string&, const std::string& host) {
                ++hosts[host];
              });
  return grouped_;
}

template <class F>
void host_selector::each_placed(const std::string& group_id,
                                const std::string& instance_id, F f) const {
  auto g = groups_.find(group_id);
  if (g == groups_.end())
    return;
  for (auto& id : g->second) {
    if (id == instance_id)
      continue;
    if (auto c = claims_.find(id); c != claims_.end())
      f(id, hosts_[c->second.host].name);
  }
}

void host_selector::drop_claim(const std::string& instance_id) {
  auto i = claims_.find(instance_id);
  if (i == claims_.end())
    return;
  hosts_[i->second.host].used -= i->second.need;
  hosts_[i->second.host].claims -= 1;
  claims_.erase(i);
}

caf::expected<host_selection>
host_selector::select(const select_destinations& req, steady_time now) {
  auto ctx = context(now);
  auto& spec = with_group_hosts(req.spec);
  auto& ignore = req.ignore_hosts;
  candidates_.clear();
  stops_.assign(filters_.size() + 1, 0);
  for (size_t i = 0; i < hosts_.size(); ++i) {
    auto& h = hosts_[i];
    if (!ignore.empty()
        && std::find(ignore.begin(), ignore.end(), h.name) != ignore.end())
      continue;
    auto stop = first_failing(h, spec, ctx);
    ++stops_[stop];
    if (stop == filters_.size())
      candidates_.push_back(i);
  }
  count_filters();
  if (candidates_.empty())
    return nova_error(errc::no_valid_host,
                      "There are not enough hosts available.");
  weigh(hosts_, spec, candidates_, weighers_, weights_);
  // Only the best subset + alternates need ordering.
  auto subset = static_cast<size_t>(std::max(1, opts_.host_subset_size));
  auto alts = static_cast<size_t>(std::max(0, req.num_alternates));
  auto k = std::min(candidates_.size(), subset + alts);
  order_.resize(candidates_.size());
  for (size_t i = 0; i < order_.size(); ++i)
    order_[i] = i;
  std::partial_sort(order_.begin(), order_.begin() + k, order_.end(),
                    [this](size_t x, size_t y) {
                      if (weights_[x] != weights_[y])
                        return weights_[x] > weights_[y];
                      return candidates_[x] < candidates_[y];
                    });
  // Nova's host_subset_size: a random pick among the best few spreads
  // concurrent requests instead of piling them on one host.
  size_t pick = 0;
  auto pool = std::min(subset, candidates_.size());
  if (pool > 1)
    pick = std::uniform_int_distribution<size_t>{0, pool - 1}(rng_);
  auto chosen = candidates_[order_[pick]];
  add_claim(req.spec.instance_id, chosen, req.spec.need);
  host_selection sel;
  sel.instance_id = req.spec.instance_id;
  sel.host = hosts_[chosen].name;
  sel.availability_zone = hosts_[chosen].availability_zone;
  for (size_t i = 0; i < k && sel.alternates.size() < alts; ++i)
    if (i != pick)
      sel.alternates.push_back(hosts_[candidates_[order_[i]]].name);
  return sel;
}

caf::expected<host_claimed> host_selector::claim(const claim_host& req,
                                                 steady_time now) {
  auto i = index_.find(req.host);
  if (i == index_.end())
    return nova_error(errc::claim_failed, req.host, "unknown host");
  // Release first: re-claiming the same host must not count twice.
  drop_claim(req.spec.instance_id);
  if (!passes(hosts_[i->second], with_group_hosts(req.spec), context(now)))
    return nova_error(errc::claim_failed, req.host, "it no longer fits");
  add_claim(req.spec.instance_id, i->second, req.spec.need);
  return host_claimed{req.spec.instance_id, req.host,
                      hosts_[i->second].availability_zone};
}

std::vector<host_view> host_selector::views(steady_time now) const {
  auto ctx = context(now);
  std::vector<host_view> out;
  out.reserve(hosts_.size());
  for (auto& h : hosts_) {
    host_view v;
    v.host = h.name;
    v.availability_zone = h.availability_zone;
    v.capacity = h.capacity;
    v.used = h.used;
    v.ratios = h.ratios;
    // As Nova's libvirt driver disables its service while the connection
    // is lost, with an "AUTO:" reason; an operator's own reason wins.
    v.enabled = h.enabled && !h.admin_disabled && h.hypervisor_down.empty();
    v.disabled_reason = h.admin_disabled || h.hypervisor_down.empty()
                          ? h.disabled_reason
                          : "AUTO: Connection to libvirt lost: " + h.hypervisor_down;
    v.up = !h.forced_down && now - h.last_seen <= ctx.service_down_time;
    v.forced_down = h.forced_down;
    v.claims = h.claims;
    v.hypervisor_type = h.hypervisor_type;
    out.push_back(std::move(v));
  }
  return out;
}

} // namespace vmforge
