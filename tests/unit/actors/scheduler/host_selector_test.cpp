#include <catch2/catch.hpp>

#include <set>

#include "actors/scheduler/host_selector.hpp"
#include "messages/errors.hpp"

using namespace vmforge;

namespace {

auto now() {
  return std::chrono::steady_clock::now();
}

host_report host(std::string name, resources capacity, std::string az = "nova") {
  host_report r;
  r.host = std::move(name);
  r.availability_zone = std::move(az);
  r.capacity = capacity;
  r.ratios = {1.0, 1.0, 1.0};
  return r;
}

select_destinations request(std::string id, resources need, int alts = 2,
                            std::vector<std::string> ignore = {}) {
  return {{std::move(id), "p", need, {}, {}, {}, {}, {}}, std::move(ignore), alts};
}

host_selector make_selector(scheduler_options opts = {}) {
  opts.seed = 7;
  auto sel = host_selector::make(opts);
  REQUIRE(sel);
  return std::move(*sel);
}

} // namespace

TEST_CASE("the best weighed host is chosen and claimed; alternates follow "
          "in weight order, unclaimed",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("small", {4, 2048, 40}), t);
  s.report(host("big", {16, 16384, 400}), t);
  s.report(host("mid", {8, 8192, 200}), t);
  auto sel = s.select(request("i-1", {1, 512, 1}), t);
  REQUIRE(sel);
  CHECK(sel->host == "big");
  CHECK(sel->alternates == std::vector<std::string>{"mid", "small"});
  for (auto& v : s.views(t)) {
    if (v.host == "big")
      CHECK(v.used == resources{1, 512, 1});
    else
      CHECK(v.used == resources{});
  }
}

TEST_CASE("claims at selection keep concurrent requests from over-committing",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {4, 4096, 100}), t);
  s.report(host("b", {4, 4096, 100}), t);
  int placed = 0;
  for (int i = 0; i < 20; ++i)
    if (s.select(request("i-" + std::to_string(i), {1, 1024, 10}), t))
      ++placed;
  CHECK(placed == 8); // 4 GiB / 1 GiB on each of two hosts
  for (auto& v : s.views(t)) {
    CHECK(v.used == resources{4, 4096, 40});
    CHECK(v.claims == 4);
  }
  auto full = s.select(request("i-x", {1, 1024, 10}), t);
  REQUIRE_FALSE(full);
  CHECK(full.error() == errc::no_valid_host);
  CHECK(error_message(full.error())
        == "No valid host was found. There are not enough hosts available.");
}

TEST_CASE("releasing a claim gives the resources back, once", "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {2, 2048, 100}), t);
  REQUIRE(s.select(request("i-1", {2, 2048, 10}), t));
  CHECK_FALSE(s.select(request("i-2", {1, 512, 1}), t));
  s.release("i-1");
  s.release("i-1");
  CHECK(s.views(t).front().used == resources{});
  CHECK(s.select(request("i-2", {1, 512, 1}), t));
}

TEST_CASE("ignored hosts are never selected nor offered as alternates",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {16, 16384, 100}), t);
  s.report(host("b", {8, 8192, 100}), t);
  s.report(host("c", {4, 4096, 100}), t);
  auto sel = s.select(request("i-1", {1, 512, 1}, 2, {"a"}), t);
  REQUIRE(sel);
  CHECK(sel->host == "b");
  CHECK(sel->alternates == std::vector<std::string>{"c"});
  CHECK_FALSE(s.select(request("i-2", {1, 512, 1}, 2, {"a", "b", "c"}), t));
}

TEST_CASE("an alternate is claimed only while it still fits", "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {2, 2048, 100}), t);
  s.report(host("b", {1, 1024, 100}), t);
  auto spec = request_spec{"i-1", "p", {1, 1024, 1}, {}, {}, {}, {}, {}};
  auto ok = s.claim(claim_host{spec, "b"}, t);
  REQUIRE(ok);
  CHECK(ok->host == "b");
  // Claiming the same host again for the same instance does not double it.
  REQUIRE(s.claim(claim_host{spec, "b"}, t));
  auto other = request_spec{"i-2", "p", {1, 1024, 1}, {}, {}, {}, {}, {}};
  auto full = s.claim(claim_host{other, "b"}, t);
  REQUIRE_FALSE(full);
  CHECK(full.error() == errc::claim_failed);
  CHECK_FALSE(s.claim(claim_host{other, "nowhere"}, t));
}

TEST_CASE("hosts that stop reporting are down and skipped", "[scheduler]") {
  scheduler_options opts;
  opts.service_down_time_s = 60;
  auto s = make_selector(opts);
  auto t = now();
  s.report(host("old", {16, 16384, 100}), t - std::chrono::seconds{61});
  s.report(host("new", {1, 1024, 10}), t);
  auto sel = s.select(request("i-1", {1, 512, 1}), t);
  REQUIRE(sel);
  CHECK(sel->host == "new");
  CHECK(sel->alternates.empty());
  auto views = s.views(t);
  CHECK_FALSE(views[0].up);
  CHECK(views[1].up);
}

TEST_CASE("the availability zone restricts the candidates", "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {16, 16384, 100}, "az1"), t);
  s.report(host("b", {1, 1024, 10}, "az2"), t);
  select_destinations req = request("i-1", {1, 512, 1});
  req.spec.availability_zone = "az2";
  auto sel = s.select(req, t);
  REQUIRE(sel);
  CHECK(sel->host == "b");
}

TEST_CASE("host_subset_size picks randomly among the best N", "[scheduler]") {
  scheduler_options opts;
  opts.host_subset_size = 3;
  opts.enabled_filters = {"ComputeFilter"};
  auto s = make_selector(opts);
  auto t = now();
  s.report(host("a", {1000, 1000000, 100000}), t);
  s.report(host("b", {1000, 1000000, 100000}), t);
  s.report(host("c", {1000, 1000000, 100000}), t);
  s.report(host("d", {1, 1024, 10}), t); // never among the best three
  std::set<std::string> chosen;
  for (int i = 0; i < 60; ++i) {
    auto sel = s.select(request("i-" + std::to_string(i), {1, 1, 1}, 0), t);
    REQUIRE(sel);
    chosen.insert(sel->host);
  }
  CHECK(chosen == std::set<std::string>{"a", "b", "c"});
}

TEST_CASE("an unknown filter name is refused at start", "[scheduler]") {
  scheduler_options opts;
  opts.enabled_filters = {"ComputeFilter", "RetryFiltr"};
  auto sel = host_selector::make(opts);
  REQUIRE_FALSE(sel);
  CHECK(sel.error() == errc::filter_not_found);
  CHECK(error_message(sel.error())
        == "Scheduler Host Filter RetryFiltr could not be found.");
}

TEST_CASE("a host's view shows the hypervisor type it last reported",
          "[scheduler]") {
  auto s = make_selector();
  auto r = host("a", {4, 4096, 100});
  r.hypervisor_type = "QEMU";
  s.report(r, now());
  auto views = s.views(now());
  REQUIRE(views.size() == 1);
  CHECK(views[0].hypervisor_type == "QEMU");
}

TEST_CASE("a stored disabled status waits for its host to register, and "
          "holds once it does",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("known", {8, 8192, 80}), t);
  s.preset_status({"known", true, "known: at once"});
  s.preset_status({"later", true, "maintenance"});
  s.report(host("later", {8, 8192, 80}), t);
  // Another report does not undo it: only an operator does.
  s.report(host("later", {8, 8192, 80}), t);
  for (auto& v : s.views(t)) {
    CHECK_FALSE(v.enabled);
    CHECK(v.disabled_reason
          == (v.host == "later" ? "maintenance" : "known: at once"));
  }
  CHECK_FALSE(s.select(request("i-1", {1, 512, 1}), t));
}

TEST_CASE("a forced-down host is down and takes no build until an operator "
          "clears it; its reports do not undo it",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("a", {8, 8192, 80}), t);
  CHECK_FALSE(s.force_down({"nowhere", true}));
  REQUIRE(s.force_down({"a", true}));
  s.report(host("a", {8, 8192, 80}), t);
  auto views = s.views(t);
  REQUIRE(views.size() == 1);
  CHECK_FALSE(views[0].up);
  CHECK(views[0].forced_down);
  CHECK(views[0].enabled); // forced down is not disabled
  CHECK_FALSE(s.select(request("i-1", {1, 512, 1}), t));
  CHECK_FALSE(s.claim(claim_host{{"i-1", "p", {1, 512, 1}, {}, {}, {}, {}, {}}, "a"}, t));
  REQUIRE(s.force_down({"a", false}));
  CHECK(s.views(t)[0].up);
  CHECK_FALSE(s.views(t)[0].forced_down);
  auto sel = s.select(request("i-1", {1, 512, 1}), t);
  REQUIRE(sel);
  CHECK(sel->host == "a");
}

TEST_CASE("a stored forced-down status waits for its host to register, "
          "and keeps the disabled flag it came with",
          "[scheduler]") {
  auto s = make_selector();
  auto t = now();
  s.report(host("known", {8, 8192, 80}), t);
  s.preset_status({"known", false, {}, true});
  s.preset_status({"later", true, "maintenance", true});
  s.report(host("later", {8, 8192, 80}), t);
  for (auto& v : s.views(t)) {
    CHECK(v.forced_down);
    CHECK_FALSE(v.up);
    CHECK(v.enabled == (v.host == "known"));
  }
  CHECK_FALSE(s.select(request("i-1", {1, 512, 1}), t));
}

namespace {

select_destinations grouped(std::string id, std::string policy,
                            std::vector<std::string> members,
                            int64_t max_per_host = 0) {
  auto req = request(std::move(id), {1, 512, 1});
  req.spec.instance_group = {"g", std::move(policy), max_per_host,
                             std::move(members), {}};
  return req;
}

host_selector four_hosts(scheduler_options opts = {}) {
  auto sel = make_selector(opts);
  for (auto name : {"h1", "h2", "h3", "h4"})
    sel.report(host(name, {16, 16384, 100}), now());
  return sel;
}

} // namespace

TEST_CASE("an anti-affinity group's members land on distinct hosts, the "
          "members of one request seeing each other's claims",
          "[host_selector][server_groups]") {
  auto sel = four_hosts();
  std::vector<std::string> ids{"m1", "m2", "m3", "m4"};
  std::set<std::string> used;
  for (auto& id : ids) {
    auto s = sel.select(grouped(id, "anti-affinity", ids), now());
    REQUIRE(s);
    used.insert(s->host);
    // Every alternate is a host without a member too.
    for (auto& alt : s->alternates)
      CHECK(used.count(alt) == 0);
  }
  CHECK(used.size() == 4);
  auto fifth = sel.select(grouped("m5", "anti-affinity", {"m5"}), now());
  REQUIRE_FALSE(fifth);
  CHECK(fifth.error() == errc::no_valid_host);
}

TEST_CASE("a member created later is known to the placement of an earlier "
          "one",
          "[host_selector][server_groups]") {
  auto sel = four_hosts();
  // m2's create knew m1; m1's (earlier) did not know m2.
  auto second = sel.select(grouped("m2", "anti-affinity", {"m1", "m2"}), now());
  REQUIRE(second);
  auto first = sel.select(grouped("m1", "anti-affinity", {"m1"}), now());
  REQUIRE(first);
  CHECK(first->host != second->host);
}

TEST_CASE("max_server_per_host lets that many members share a host",
          "[host_selector][server_groups]") {
  scheduler_options one;
  one.enabled_filters = {"ServerGroupAntiAffinityFilter"};
  auto sel = make_selector(one);
  sel.report(host("h1", {16, 16384, 100}), now());
  std::vector<std::string> ids{"m1", "m2", "m3"};
  CHECK(sel.select(grouped("m1", "anti-affinity", ids, 2), now()));
  CHECK(sel.select(grouped("m2", "anti-affinity", ids, 2), now()));
  CHECK_FALSE(sel.select(grouped("m3", "anti-affinity", ids, 2), now()));
}

TEST_CASE("an affinity group's members follow the first one; a released "
          "member no longer counts",
          "[host_selector][server_groups]") {
  auto sel = four_hosts();
  std::vector<std::string> ids{"m1", "m2", "m3"};
  auto first = sel.select(grouped("m1", "affinity", ids), now());
  REQUIRE(first);
  for (auto id : {"m2", "m3"}) {
    auto s = sel.select(grouped(id, "affinity", ids), now());
    REQUIRE(s);
    CHECK(s->host == first->host);
    CHECK(s->alternates.empty());
  }
  auto where = sel.members_of(get_group_hosts{grouped("m3", "affinity", ids).spec.instance_group, "m3"});
  CHECK(where.members.at(first->host).size() == 2);
  sel.release("m1");
  sel.release("m2");
  where = sel.members_of(get_group_hosts{grouped("m3", "affinity", ids).spec.instance_group, "m3"});
  CHECK(where.members.empty());
}

TEST_CASE("an alternate claimed for a reschedule still obeys the group",
          "[host_selector][server_groups]") {
  auto sel = four_hosts();
  std::vector<std::string> ids{"m1", "m2"};
  auto first = sel.select(grouped("m1", "anti-affinity", ids), now());
  REQUIRE(first);
  auto spec = grouped("m2", "anti-affinity", ids).spec;
  CHECK_FALSE(sel.claim(claim_host{spec, first->host}, now()));
  auto other = first->host == "h1" ? "h2" : "h1";
  CHECK(sel.claim(claim_host{spec, other}, now()));
}

TEST_CASE("soft-anti-affinity spreads members by weight without refusing "
          "a shared host",
          "[host_selector][server_groups]") {
  scheduler_options opts;
  // Only the group weigher decides.
  opts.ram_weight_multiplier = 0;
  opts.cpu_weight_multiplier = 0;
  opts.disk_weight_multiplier = 0;
  auto sel = make_selector(opts);
  sel.report(host("h1", {16, 16384, 100}), now());
  sel.report(host("h2", {16, 16384, 100}), now());
  std::vector<std::string> ids{"m1", "m2", "m3"};
  std::set<std::string> used;
  for (auto id : {"m1", "m2"}) {
    auto s = sel.select(grouped(id, "soft-anti-affinity", ids), now());
    REQUIRE(s);
    used.insert(s->host);
  }
  CHECK(used.size() == 2);
  CHECK(sel.select(grouped("m3", "soft-anti-affinity", ids), now()));
}

TEST_CASE("a zone aggregate moves its hosts into its zone, for hosts that "
          "report later too; the aggregate filters see the metadata",
          "[scheduler][aggregates]") {
  scheduler_options opts;
  opts.enabled_filters = {"AvailabilityZoneFilter",
                          "AggregateInstanceExtraSpecsFilter"};
  auto s = make_selector(opts);
  auto t = now();
  s.report(host("c1", {8, 8192, 100}), t);
  s.report(host("c2", {8, 8192, 100}), t);
  aggregate zone;
  zone.id = 1;
  zone.name = "agg1";
  zone.hosts = {"c1", "c3"};
  zone.metadata = {{"availability_zone", "az1"}, {"ssd", "true, fast"}};
  s.set_aggregates({zone});
  s.report(host("c3", {8, 8192, 100}), t);
  std::map<std::string, std::string> zones;
  for (auto& v : s.views(t))
    zones[v.host] = v.availability_zone;
  CHECK(zones == std::map<std::string, std::string>{
                   {"c1", "az1"}, {"c2", "nova"}, {"c3", "az1"}});
  // Metadata values are split on ',' as Nova's are.
  REQUIRE(s.find("c1")->aggregates);
  CHECK(s.find("c1")->aggregates->at("ssd")
        == std::set<std::string>{"true", "fast"});
  CHECK_FALSE(s.find("c2")->aggregates);
  auto req = request("i-1", {1, 512, 1}, 2);
  req.spec.availability_zone = "az1";
  auto sel = s.select(req, t);
  REQUIRE(sel);
  CHECK((sel->host == "c1" || sel->host == "c3"));
  CHECK(sel->availability_zone == "az1");
  auto ssd = request("i-2", {1, 512, 1}, 2);
  ssd.spec.extra_specs = {{"aggregate_instance_extra_specs:ssd", "fast"}};
  sel = s.select(ssd, t);
  REQUIRE(sel);
  CHECK(sel->host != "c2");
  // Out of the aggregate, back in the zone it reports.
  s.set_aggregates({});
  CHECK(s.find("c1")->availability_zone == "nova");
  CHECK_FALSE(s.find("c1")->aggregates);
}
