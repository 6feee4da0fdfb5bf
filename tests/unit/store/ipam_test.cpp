#include <catch2/catch.hpp>

#include <set>

#include "config/options.hpp"
#include "messages/errors.hpp"
#include "store/database.hpp"
#include "store/ipam.hpp"
#include "tests/support/store_files.hpp"

using namespace vmforge;
using namespace vmforge::test;

namespace {

network net_of(const std::string& label, const std::string& cidr,
               std::vector<std::string> dns = {}) {
  network n;
  n.label = label;
  n.cidr = cidr;
  n.dns = std::move(dns);
  REQUIRE(complete_network(n).empty());
  return n;
}

network_request listed(const std::string& net, const std::string& ip = {}) {
  network_request r;
  r.mode = network_mode::listed;
  r.listed = {{net, ip}};
  return r;
}

bool is(const caf::error& err, errc code) {
  return err == code;
}

} // namespace

TEST_CASE("ipam: every address of a subnet but network, gateway, DNS and "
          "broadcast, each once, then NoMoreFixedIps",
          "[ipam]") {
  // A /28: 16 addresses, 14 hosts, less the gateway .1 and a DNS server .5.
  auto net = net_of("small", "10.9.0.0/28", {"10.9.0.5", "8.8.8.8"});
  ipam pool{{net}, 1};
  CHECK(pool.free_count(net.id) == 12);
  std::set<std::string> addresses, macs, ports;
  for (int i = 0; i < 12; ++i) {
    auto vifs = pool.allocate("vm-" + std::to_string(i), {});
    REQUIRE(vifs);
    REQUIRE(vifs->size() == 1);
    auto& v = vifs->front();
    CHECK(addresses.insert(v.address).second);
    CHECK(macs.insert(v.mac).second);
    CHECK(ports.insert(v.id).second);
    CHECK(v.mac.rfind("fa:16:3e:", 0) == 0);
    CHECK(v.net.id == net.id);
  }
  for (auto reserved : {"10.9.0.0", "10.9.0.1", "10.9.0.5", "10.9.0.15"})
    CHECK(addresses.count(reserved) == 0);
  auto full = pool.allocate("vm-12", {});
  REQUIRE_FALSE(full);
  CHECK(is(full.error(), errc::no_more_fixed_ips));
  CHECK(error_message(full.error())
        == "No fixed IP addresses available for network: " + net.id);
  // A delete gives its address back.
  pool.release("vm-3");
  CHECK(pool.free_count(net.id) == 1);
  auto again = pool.allocate("vm-12", {});
  REQUIRE(again);
  CHECK(again->size() == 1);
}

TEST_CASE("ipam: an instance asking again gets what it holds", "[ipam]") {
  auto net = net_of("private", "10.42.0.0/24");
  ipam pool{{net}, 2};
  auto first = pool.allocate("vm", {});
  auto second = pool.allocate("vm", {});
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(first->size() == 1);
  CHECK(second->front().id == first->front().id);
  CHECK(second->front().address == "10.42.0.2");
  CHECK(pool.free_count(net.id) == 252);
}

TEST_CASE("ipam: a requested fixed ip is honoured if it is free and a host "
          "address of its network",
          "[ipam]") {
  auto net = net_of("private", "10.42.0.0/24");
  ipam pool{{net}, 3};
  auto got = pool.allocate("a", listed(net.id, "10.42.0.77"));
  REQUIRE(got);
  CHECK(got->front().address == "10.42.0.77");
  auto taken = pool.allocate("b", listed(net.id, "10.42.0.77"));
  REQUIRE_FALSE(taken);
  CHECK(is(taken.error(), errc::fixed_ip_already_in_use));
  CHECK(error_message(taken.error())
        == "Fixed IP address 10.42.0.77 is already in use on instance a.");
  for (auto bad : {"10.42.1.7", "10.42.0.1", "10.42.0.255", "10.42.0.0"}) {
    auto refused = pool.allocate("b", listed(net.id, bad));
    REQUIRE_FALSE(refused);
    CHECK(is(refused.error(), errc::fixed_ip_invalid));
  }
  auto unknown = pool.allocate("b", listed("0e6a4f0c-0000-4000-8000-00000000000a"));
  REQUIRE_FALSE(unknown);
  CHECK(is(unknown.error(), errc::network_not_found));
}

TEST_CASE("ipam: a list is all or nothing; none gets none; auto with "
          "several networks is ambiguous",
          "[ipam]") {
  auto a = net_of("a", "10.1.0.0/30"); // one address: .2
  auto b = net_of("b", "10.2.0.0/24");
  ipam pool{{a, b}, 4};
  network_request both;
  both.mode = network_mode::listed;
  both.listed = {{b.id, {}}, {a.id, {}}};
  auto first = pool.allocate("x", both);
  REQUIRE(first);
  REQUIRE(first->size() == 2);
  CHECK(first->at(0).net.label == "b");
  CHECK(first->at(1).address == "10.1.0.2");
  auto second = pool.allocate("y", both);
  REQUIRE_FALSE(second);
  CHECK(is(second.error(), errc::no_more_fixed_ips));
  // y's address on b went back with the failure.
  CHECK(pool.free_count(b.id) == 252);
  network_request none;
  none.mode = network_mode::none;
  auto nothing = pool.allocate("z", none);
  REQUIRE(nothing);
  CHECK(nothing->empty());
  auto ambiguous = pool.allocate("z", {});
  REQUIRE_FALSE(ambiguous);
  CHECK(is(ambiguous.error(), errc::network_ambiguous));
}

TEST_CASE("ipam: after a restart, the rows' vifs in the database are taken "
          "and new addresses never repeat them",
          "[ipam]") {
  temp_dir dir;
  auto net = net_of("private", "10.42.0.0/24");
  std::set<std::string> addresses, macs;
  {
    ipam pool{{net}, 5};
    database db{db_path(dir)};
    db.migrate();
    db.begin();
    for (int i = 0; i < 5; ++i) {
      auto row = sample_row(i + 1);
      auto vifs = pool.allocate(row.id, {});
      REQUIRE(vifs);
      row.vifs = *vifs;
      addresses.insert(vifs->front().address);
      macs.insert(vifs->front().mac);
      db.put_instance(row, true);
    }
    db.commit();
  }
  // The same seed: without adopt, it would make the same MACs again.
  ipam pool{{net}, 5};
  for (auto& row : reload(dir).instances)
    pool.adopt(row.id, row.vifs);
  CHECK(pool.free_count(net.id) == 248);
  for (int i = 0; i < 5; ++i) {
    auto vifs = pool.allocate("new-" + std::to_string(i), {});
    REQUIRE(vifs);
    CHECK(addresses.insert(vifs->front().address).second);
    CHECK(macs.insert(vifs->front().mac).second);
  }
}

TEST_CASE("ipam: the lowest free address comes first, also after a release "
          "and around a requested one",
          "[ipam]") {
  auto net = net_of("private", "10.42.0.0/24");
  ipam pool{{net}, 6};
  auto addr = [&](const std::string& id, network_request req = {}) {
    auto v = pool.allocate(id, req);
    REQUIRE(v);
    return v->front().address;
  };
  CHECK(addr("a") == "10.42.0.2");
  CHECK(addr("fixed", listed(net.id, "10.42.0.4")) == "10.42.0.4");
  CHECK(addr("b") == "10.42.0.3");
  CHECK(addr("c") == "10.42.0.5"); // around the requested one
  pool.release("a");
  CHECK(addr("d") == "10.42.0.2");
  CHECK(addr("e") == "10.42.0.6");
}
