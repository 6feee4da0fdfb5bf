#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include "drivers/fake/fake_driver.hpp"
#include "tests/support/temp_dir.hpp"
#include "util/uuid.hpp"

using namespace vmforge;

namespace {

// A base file, as the host's image cache makes one.
const std::string& base() {
  static vmforge::test::temp_dir dir;
  static const std::string path = [] {
    auto p = (dir.path / "base").string();
    std::ofstream{p} << "base image";
    return p;
  }();
  return path;
}

spawn_spec spec(std::string id) {
  spawn_spec s;
  s.instance_id = id;
  s.instance_name = "instance-" + id;
  s.flavor_ = flavor{"1", "m1.tiny", 1, 512, 1, 0, 0, true, false, {}, {}};
  s.image_ = make_image("img", "img");
  s.display_name = "vm";
  s.project_id = "p";
  s.base_file = base();
  s.base_format = "raw";
  return s;
}

std::vector<bool> outcomes(const std::string& host, fake_driver_options opts,
                           int n) {
  fake_driver drv{host, opts};
  std::vector<bool> out;
  for (int i = 0; i < n; ++i)
    out.push_back(drv.spawn(spec("id-" + std::to_string(i))).ok);
  return out;
}

} // namespace

TEST_CASE("the fake driver keeps domains and their power state",
          "[fake_driver]") {
  fake_driver drv{"h1", {}};
  REQUIRE(drv.spawn(spec("a")).ok);
  CHECK(drv.get_power_state("a") == power_state::running);
  CHECK(drv.power_off("a").ok);
  CHECK(drv.get_power_state("a") == power_state::shutdown);
  CHECK(drv.power_on("a").ok);
  CHECK(drv.reboot("a").ok);
  CHECK(drv.get_power_state("a") == power_state::running);
  CHECK(drv.list_instances() == std::vector<std::string>{"a"});
  CHECK(drv.destroy("a").ok);
  CHECK(drv.destroy("a").ok); // destroying what is gone succeeds
  CHECK(drv.list_instances().empty());
  CHECK(drv.get_power_state("a") == power_state::nostate);
  auto off = drv.power_off("a");
  CHECK_FALSE(off.ok);
  CHECK(off.reason == "Instance a could not be found.");
  CHECK(drv.host_capacity() == resources{1000, 800000, 600000});
  CHECK(drv.hypervisor_type() == "fake");
}

TEST_CASE("the fake driver spawns on its image's base file and records it",
          "[fake_driver]") {
  fake_driver drv{"h1", {}};
  REQUIRE(drv.spawn(spec("a")).ok);
  CHECK(drv.base_file("a") == base());
  CHECK(drv.power_off("a").ok); // kept across power changes
  CHECK(drv.base_file("a") == base());
  CHECK(drv.base_file("none").empty());
  // Without its base the spawn fails, retryable (another host's cache
  // may have it), and leaves no domain.
  auto s = spec("b");
  s.base_file += ".missing";
  auto st = drv.spawn(s);
  CHECK_FALSE(st.ok);
  CHECK(st.retryable);
  CHECK(st.reason == "Base file '" + s.base_file + "' of image img not found "
                     "on h1");
  s.base_file.clear();
  CHECK_FALSE(drv.spawn(s).ok);
  CHECK(drv.list_instances() == std::vector<std::string>{"a"});
  CHECK(drv.destroy("a").ok);
  CHECK(drv.base_file("a").empty());
}

TEST_CASE("injected failures are a function of the seed, host and instance",
          "[fake_driver]") {
  fake_driver_options opts;
  opts.failure_rate = 0.3;
  opts.seed = 11;
  auto first = outcomes("h1", opts, 400);
  CHECK(first == outcomes("h1", opts, 400)); // reproducible
  auto failures = std::count(first.begin(), first.end(), false);
  CHECK(failures > 80);
  CHECK(failures < 160);
  CHECK(first != outcomes("h2", opts, 400)); // independent per host
  opts.seed = 12;
  CHECK(first != outcomes("h1", opts, 400)); // and per seed
}

TEST_CASE("spawn failures say whether another host may succeed",
          "[fake_driver]") {
  fake_driver_options opts;
  SECTION("fail_on_hosts is retryable") {
    opts.fail_on_hosts = {"bad"};
    fake_driver bad{"bad", opts};
    auto st = bad.spawn(spec("a"));
    CHECK_FALSE(st.ok);
    CHECK(st.retryable);
    CHECK(st.reason == "Fake driver: spawn always fails on host bad");
    CHECK(bad.list_instances().empty());
    fake_driver good{"good", opts};
    CHECK(good.spawn(spec("a")).ok);
  }
  SECTION("abort_rate is not retryable") {
    opts.abort_rate = 1.0;
    fake_driver drv{"h", opts};
    auto st = drv.spawn(spec("a"));
    CHECK_FALSE(st.ok);
    CHECK_FALSE(st.retryable);
    CHECK(st.reason == "Build of instance a aborted: fake driver injected abort");
  }
}

TEST_CASE("throw_on_nth_call throws once, on exactly that call",
          "[fake_driver]") {
  fake_driver_options opts;
  opts.throw_on_nth_call = 3;
  fake_driver drv{"h", opts};
  CHECK(drv.spawn(spec("a")).ok);
  CHECK(drv.destroy("a").ok);
  CHECK_THROWS_AS(drv.spawn(spec("b")), std::runtime_error);
  CHECK(drv.spawn(spec("c")).ok);
  CHECK(drv.calls() == 4);
}

TEST_CASE("latency is fixed or drawn from a range, deterministically",
          "[fake_driver]") {
  using clock = std::chrono::steady_clock;
  fake_driver_options opts;
  opts.latency_min_ms = 30;
  opts.latency_max_ms = 30;
  fake_driver drv{"h", opts};
  auto t0 = clock::now();
  CHECK(drv.spawn(spec("a")).ok);
  CHECK(clock::now() - t0 >= std::chrono::milliseconds{30});
}

TEST_CASE("a hung spawn returns once the driver shuts down", "[fake_driver]") {
  fake_driver_options opts;
  opts.hang_on_hosts = {"h"};
  fake_driver drv{"h", opts};
  driver_status st;
  std::atomic<bool> returned{false};
  std::thread t{[&] {
    st = drv.spawn(spec("a"));
    returned = true;
  }};
  // The spawn counts its call before it waits; from then on it can only
  // return after the shutdown (which it sees even if it has not waited yet).
  while (drv.calls() == 0)
    std::this_thread::yield();
  CHECK_FALSE(returned);
  drv.shutdown();
  t.join();
  CHECK(returned);
  CHECK_FALSE(st.ok);
  CHECK(st.retryable);
  CHECK(drv.list_instances().empty());
}

TEST_CASE("uuids are canonical version 4 uuids", "[util]") {
  auto id = make_uuid();
  CHECK(is_uuid(id));
  CHECK(id[14] == '4');
  CHECK(std::string{"89ab"}.find(id[19]) != std::string::npos);
  CHECK(make_uuid() != id);
  CHECK_FALSE(is_uuid("not-a-uuid"));
  CHECK(stable_hash(1, "a", "b") == stable_hash(1, "a", "b"));
  CHECK(stable_hash(1, "a", "b") != stable_hash(2, "a", "b"));
  CHECK(stable_hash(1, "ab", "") != stable_hash(1, "a", "b"));
}

// The state_path test writes the host's files itself.
#include <fstream>
#include <map>

#include "tests/support/temp_dir.hpp"

TEST_CASE("the fake driver with a state_path keeps domains across restarts",
          "[fake_driver]") {
  vmforge::test::temp_dir dir;
  fake_driver_options opts;
  opts.state_path = (dir.path / "hv").string();
  {
    fake_driver drv{"h1", opts};
    REQUIRE(drv.spawn(spec("a")).ok);
    REQUIRE(drv.spawn(spec("b")).ok);
    REQUIRE(drv.power_off("b").ok);
    REQUIRE(drv.spawn(spec("c")).ok);
    REQUIRE(drv.destroy("c").ok);
  }
  // A write the previous process did not finish is ignored.
  std::ofstream{dir.path / "hv" / "h1" / "d.tmp"} << "1\n";
  fake_driver drv{"h1", opts};
  auto ids = drv.list_instances();
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"a", "b"});
  CHECK(drv.get_power_state("a") == power_state::running);
  CHECK(drv.get_power_state("b") == power_state::shutdown);
  CHECK(drv.base_file("a") == base());
  CHECK(drv.base_file("b") == base());
  CHECK_FALSE(std::filesystem::exists(dir.path / "hv" / "h1" / "d.tmp"));
  // Another host's domains are its own.
  CHECK(fake_driver{"h2", opts}.list_instances().empty());
}

TEST_CASE("the fake driver's snapshot is a real qcow2 of a domain it has",
          "[fake_driver]") {
  test::temp_dir dir;
  fake_driver drv{"h1", {}};
  auto out = (dir.path / "snapshots" / "img.qcow2").string();
  auto missing = drv.snapshot("a", out);
  CHECK_FALSE(missing.ok);
  CHECK_FALSE(missing.retryable);
  CHECK(missing.reason == "Instance a could not be found.");
  CHECK_FALSE(std::filesystem::exists(out));
  REQUIRE(drv.spawn(spec("a")).ok);
  auto made = drv.snapshot("a", out);
  INFO(made.reason);
  REQUIRE(made.ok);
  // qcow2's magic: "QFI\xfb".
  std::ifstream in{out, std::ios::binary};
  char magic[4] = {};
  in.read(magic, 4);
  CHECK(std::string(magic, 4) == std::string("QFI\xfb", 4));
  CHECK(drv.get_power_state("a") == power_state::running);
}

namespace {

spawn_spec with_vifs(std::string id, std::vector<std::pair<std::string, std::string>> macs) {
  auto s = spec(std::move(id));
  int n = 0;
  for (auto& [mac, address] : macs) {
    vif v;
    v.id = s.instance_id + "-port-" + std::to_string(n++);
    v.net = {"net-1", "private", "10.42.0.0/24", "10.42.0.1", {}, "vmfbr0"};
    v.mac = mac;
    v.address = address;
    s.vifs.push_back(v);
  }
  return s;
}

} // namespace

TEST_CASE("the fake driver plugs each vif as a DHCP host entry and destroy "
          "unplugs it", "[fake_driver][network]") {
  test::temp_dir dir;
  fake_driver_options opts;
  opts.state_path = (dir.path / "hv").string();
  using hosts = std::map<std::string, std::string>;
  {
    fake_driver drv{"h1", opts};
    REQUIRE(drv.spawn(with_vifs("a", {{"fa:16:3e:00:00:01", "10.42.0.5"},
                                      {"fa:16:3e:00:00:02", "10.42.0.6"}}))
              .ok);
    REQUIRE(drv.spawn(with_vifs("b", {{"fa:16:3e:00:00:03", "10.42.0.7"}})).ok);
    CHECK(drv.dhcp_hosts("vmfbr0")
          == hosts{{"fa:16:3e:00:00:01", "10.42.0.5"},
                   {"fa:16:3e:00:00:02", "10.42.0.6"},
                   {"fa:16:3e:00:00:03", "10.42.0.7"}});
    CHECK(drv.dhcp_hosts("other").empty());
    REQUIRE(drv.vifs("a").size() == 2);
    CHECK(drv.vifs("a")[1].id == "a-port-1");
    // A power action keeps them.
    REQUIRE(drv.power_off("b").ok);
    CHECK(drv.vifs("b").size() == 1);
  }
  // Kept across a restart, as the hypervisor's network keeps its entries.
  fake_driver drv{"h1", opts};
  auto a = drv.vifs("a");
  REQUIRE(a.size() == 2);
  CHECK(a[0].mac == "fa:16:3e:00:00:01");
  CHECK(a[0].address == "10.42.0.5");
  CHECK(a[0].net.bridge == "vmfbr0");
  CHECK(a[0].id == "a-port-0");
  REQUIRE(drv.destroy("a").ok);
  CHECK(drv.vifs("a").empty());
  CHECK(drv.dhcp_hosts("vmfbr0") == hosts{{"fa:16:3e:00:00:03", "10.42.0.7"}});
}

TEST_CASE("the fake driver makes the config drive and a boot log",
          "[fake_driver]") {
  vmforge::test::temp_dir dir;
  fake_driver_options opts;
  opts.state_path = (dir.path / "hv").string();
  fake_driver drv{"h1", opts};
  auto s = spec("a");
  s.display_name = "Web 1";
  s.guest.config_drive = true;
  s.guest.key_name = "k";
  s.guest.key_data = "ssh-ed25519 AAAA k";
  vif v;
  v.id = "port-1";
  v.mac = "fa:16:3e:00:00:01";
  v.address = "10.0.0.7";
  v.net.label = "private";
  s.vifs.push_back(v);
  REQUIRE(drv.spawn(s).ok);
  auto iso = drv.config_drive_path("a");
  REQUIRE(std::filesystem::exists(iso));
  std::string log;
  REQUIRE(drv.console_output("a", log).ok);
  CHECK(log.find("Linux version") != std::string::npos);
  CHECK(log.find("10.0.0.7") != std::string::npos);
  CHECK(log.find("web-1 login:") != std::string::npos);
  // The log and the drive survive a power cycle and a restart of the fake.
  CHECK(drv.power_off("a").ok);
  fake_driver again{"h1", opts};
  CHECK(again.list_instances() == std::vector<std::string>{"a"});
  std::string after;
  REQUIRE(again.console_output("a", after).ok);
  CHECK(after == log);
  CHECK(again.destroy("a").ok);
  CHECK_FALSE(std::filesystem::exists(iso));
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path{iso}.parent_path()));
  CHECK_FALSE(again.console_output("a", after).ok);
}

TEST_CASE("the fake driver makes no config drive unless asked, and keeps its "
          "boot log in memory without a state_path",
          "[fake_driver]") {
  vmforge::test::temp_dir dir;
  fake_driver_options opts;
  opts.state_path = (dir.path / "hv").string();
  fake_driver drv{"h1", opts};
  REQUIRE(drv.spawn(spec("a")).ok);
  CHECK_FALSE(std::filesystem::exists(drv.config_drive_path("a")));
  fake_driver mem{"h1", {}};
  REQUIRE(mem.spawn(spec("b")).ok);
  CHECK(mem.config_drive_path("b").empty());
  std::string log;
  REQUIRE(mem.console_output("b", log).ok);
  CHECK(log.find("vm login:") != std::string::npos);
}
