#include <catch2/catch.hpp>

#include <cstdio>

#include "config/config_file.hpp"

using namespace vmforge;

namespace {

/// Every field the file sets, compared one by one (flavors, scheduler.seed
/// and build_timeout_check_ms are not in the file).
void require_same(const options& a, const options& b) {
  CHECK(a.compute_driver == b.compute_driver);
  CHECK(a.instances_path == b.instances_path);
  CHECK(a.libvirt.connection_uri == b.libvirt.connection_uri);
  CHECK(a.graceful_shutdown_timeout_s == b.graceful_shutdown_timeout_s);
  CHECK(a.max_concurrent_builds == b.max_concurrent_builds);
  CHECK(a.instance_build_timeout_s == b.instance_build_timeout_s);
  CHECK(a.report_interval_s == b.report_interval_s);
  CHECK(a.multi_instance_display_name_template
        == b.multi_instance_display_name_template);
  CHECK(a.logging.debug == b.logging.debug);
  CHECK(a.logging.log_file == b.logging.log_file);
  CHECK(a.database_connection == b.database_connection);
  CHECK(a.api.listen == b.api.listen);
  CHECK(a.api.port == b.api.port);
  CHECK(a.api.io_threads == b.api.io_threads);
  CHECK(a.api.auth_strategy == b.api.auth_strategy);
  CHECK(a.api.image_workers == b.api.image_workers);
  auto &s = a.scheduler, &t = b.scheduler;
  CHECK(s.service_down_time_s == t.service_down_time_s);
  CHECK(s.max_attempts == t.max_attempts);
  CHECK(s.enabled_filters == t.enabled_filters);
  CHECK(s.host_subset_size == t.host_subset_size);
  CHECK(s.ram_weight_multiplier == t.ram_weight_multiplier);
  CHECK(s.cpu_weight_multiplier == t.cpu_weight_multiplier);
  CHECK(s.disk_weight_multiplier == t.disk_weight_multiplier);
  CHECK(s.soft_affinity_weight_multiplier == t.soft_affinity_weight_multiplier);
  CHECK(s.soft_anti_affinity_weight_multiplier
        == t.soft_anti_affinity_weight_multiplier);
  auto &ga = a.glance, &gb = b.glance;
  CHECK(ga.api_servers == gb.api_servers);
  CHECK(ga.num_retries == gb.num_retries);
  CHECK(ga.timeout_s == gb.timeout_s);
  CHECK(ga.cafile == gb.cafile);
  CHECK(ga.auth_type == gb.auth_type);
  CHECK(ga.auth_url == gb.auth_url);
  CHECK(ga.username == gb.username);
  CHECK(ga.password == gb.password);
  CHECK(ga.project_name == gb.project_name);
  CHECK(ga.user_domain_name == gb.user_domain_name);
  CHECK(ga.project_domain_name == gb.project_domain_name);
  CHECK(a.quota.instances == b.quota.instances);
  CHECK(a.quota.cores == b.quota.cores);
  CHECK(a.quota.ram_mb == b.quota.ram_mb);
  CHECK(a.quota_metadata_items == b.quota_metadata_items);
  auto &d = a.fake_driver, &e = b.fake_driver;
  CHECK(d.latency_min_ms == e.latency_min_ms);
  CHECK(d.latency_max_ms == e.latency_max_ms);
  CHECK(d.failure_rate == e.failure_rate);
  CHECK(d.abort_rate == e.abort_rate);
  CHECK(d.fail_on_hosts == e.fail_on_hosts);
  CHECK(d.hang_on_hosts == e.hang_on_hosts);
  CHECK(d.throw_on_nth_call == e.throw_on_nth_call);
  CHECK(d.seed == e.seed);
  CHECK(d.state_path == e.state_path);
  CHECK(d.capacity == e.capacity);
  auto &c = a.image_cache, &g = b.image_cache;
  CHECK(c.manager_interval_s == g.manager_interval_s);
  CHECK(c.subdirectory_name == g.subdirectory_name);
  CHECK(c.remove_unused_base_images == g.remove_unused_base_images);
  CHECK(c.remove_unused_original_minimum_age_seconds
        == g.remove_unused_original_minimum_age_seconds);
  CHECK(c.download_workers == g.download_workers);
  REQUIRE(a.hosts.size() == b.hosts.size());
  for (size_t i = 0; i < a.hosts.size(); ++i) {
    auto &h = a.hosts[i], &k = b.hosts[i];
    CHECK(h.name == k.name);
    CHECK(h.availability_zone == k.availability_zone);
    CHECK(h.capacity == k.capacity);
    CHECK(h.ratios.cpu == k.ratios.cpu);
    CHECK(h.ratios.ram == k.ratios.ram);
    CHECK(h.ratios.disk == k.ratios.disk);
    CHECK(h.enabled == k.enabled);
    CHECK(h.connection_uri == k.connection_uri);
  }
  REQUIRE(a.images.size() == b.images.size());
  for (size_t i = 0; i < a.images.size(); ++i) {
    auto &m = a.images[i], &n = b.images[i];
    CHECK(m.id == n.id);
    CHECK(m.name == n.name);
    CHECK(m.file == n.file);
    CHECK(m.disk_format == n.disk_format);
    CHECK(m.min_ram_mb == n.min_ram_mb);
    CHECK(m.min_disk_gb == n.min_disk_gb);
  }
}

/// Every option off its default (compute_driver has no other value);
/// kText says the same in a file.
options customised() {
  auto o = default_options(2);
  o.compute_driver = "fake.FakeDriver";
  o.graceful_shutdown_timeout_s = 5;
  o.max_concurrent_builds = 3;
  o.instance_build_timeout_s = 0;
  o.report_interval_s = 2;
  o.scheduler.service_down_time_s = 7;
  o.multi_instance_display_name_template = "%(name)s-%(uuid)s = x";
  o.logging.debug = true;
  o.logging.log_file = "var/log/vmforged.log";
  o.database_connection = "";
  o.api.listen = "0.0.0.0";
  o.api.port = 0;
  o.api.io_threads = 8;
  o.api.auth_strategy = "keystone";
  o.api.image_workers = 6;
  o.scheduler.max_attempts = 1;
  o.scheduler.enabled_filters = {"RamFilter", "ComputeFilter"};
  o.scheduler.host_subset_size = 2;
  o.scheduler.ram_weight_multiplier = -1.5;
  o.scheduler.cpu_weight_multiplier = 0.1;
  o.scheduler.disk_weight_multiplier = 1e-3;
  o.scheduler.soft_affinity_weight_multiplier = 2.5;
  o.scheduler.soft_anti_affinity_weight_multiplier = 0;
  o.glance.api_servers = {"http://10.0.0.1:9292", "https://glance.test/image"};
  o.glance.num_retries = 0;
  o.glance.timeout_s = 5;
  o.glance.cafile = "/etc/ssl/ca.pem";
  o.glance.auth_type = "password";
  o.glance.auth_url = "http://keystone.test:5000/v3";
  o.glance.username = "glance";
  o.glance.password = "glance pass";
  o.glance.project_name = "service";
  o.glance.user_domain_name = "ud";
  o.glance.project_domain_name = "pd";
  o.quota = {-1, 4, 1024};
  o.quota_metadata_items = 0;
  auto& d = o.fake_driver;
  d.latency_min_ms = 10;
  d.latency_max_ms = 20;
  d.failure_rate = 0.25;
  d.abort_rate = 1;
  d.fail_on_hosts = {"c1", "c2"};
  d.hang_on_hosts = {"c3"};
  d.throw_on_nth_call = 4;
  d.seed = 18446744073709551615u;
  d.state_path = "/srv/fake";
  d.capacity = {8, 4096, 40};
  auto& c = o.image_cache;
  c.manager_interval_s = -1;
  c.subdirectory_name = "_base_10.0.0.1";
  c.remove_unused_base_images = false;
  c.remove_unused_original_minimum_age_seconds = 0;
  c.download_workers = 4;
  o.hosts.resize(1);
  o.hosts[0] = host_config{"big", "az1", {64, 262144, 2048}, {2.0, 1.0, 0.5},
                           false, "qemu+ssh://big/system"};
  o.compute_driver = "libvirt.LibvirtDriver";
  o.instances_path = "/srv/instances";
  o.libvirt.connection_uri = "qemu:///system";
  o.images = {make_image("img-1", "Ubuntu 24.04", "/srv/ubuntu.raw")};
  o.images[0].disk_format = "raw";
  o.images[0].min_ram_mb = 1024;
  o.images[0].min_disk_gb = 10;
  return o;
}

const char* const kText = R"(# A comment, then a blank line.

[DEFAULT]
compute_driver = libvirt.LibvirtDriver
instances_path = /srv/instances
graceful_shutdown_timeout = 5
max_concurrent_builds = 99
max_concurrent_builds = 3
instance_build_timeout = 0
report_interval = 2
service_down_time = 7
  multi_instance_display_name_template  =  %(name)s-%(uuid)s = x
debug = True
log_file = var/log/vmforged.log

[libvirt]
connection_uri = qemu:///system

[database]
; The other comment style. An empty value: no persistence.
connection =

[api]
listen = 0.0.0.0
port = 0
io_threads = 8
auth_strategy = keystone
image_workers = 6

[glance]
api_servers = http://10.0.0.1:9292, https://glance.test/image
num_retries = 0
timeout = 5
cafile = /etc/ssl/ca.pem
auth_type = password
auth_url = http://keystone.test:5000/v3
username = glance
password = glance pass
project_name = service
user_domain_name = ud
project_domain_name = pd

[scheduler]
max_attempts = 1

[filter_scheduler]
enabled_filters = RamFilter , ComputeFilter,
host_subset_size = 2
ram_weight_multiplier = -1.5
cpu_weight_multiplier = 0.1
disk_weight_multiplier = 1e-3
soft_affinity_weight_multiplier = 2.5
soft_anti_affinity_weight_multiplier = 0

[quota]
instances = -1
cores = 4
ram = 1024
metadata_items = 0

[fake_driver]
latency_min_ms = 10
latency_max_ms = 20
failure_rate = 0.25
abort_rate = 1
fail_on_hosts = c1,c2
hang_on_hosts = c3
throw_on_nth_call = 4
seed = 18446744073709551615
state_path = /srv/fake
vcpus = 8
memory_mb = 4096
disk_gb = 40

[image_cache]
manager_interval = -1
subdirectory_name = _base_10.0.0.1
remove_unused_base_images = false
remove_unused_original_minimum_age_seconds = 0
download_workers = 4

[host:big]
availability_zone = az1
vcpus = 64
memory_mb = 262144
disk_gb = 2048
cpu_allocation_ratio = 2
ram_allocation_ratio = 1.0
disk_allocation_ratio = 0.5
enabled = no
connection_uri = qemu+ssh://big/system

[image:img-1]
name = Ubuntu 24.04
file = /srv/ubuntu.raw
disk_format = raw
min_ram = 1024
min_disk = 10
)";

options parse(const std::string& text) {
  return parse_config(text, "t.conf", default_options(2));
}

/// The config_error parsing `text` gives, or "" if none.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config_error& e) {
    return e.what();
  }
  return {};
}

} // namespace

TEST_CASE("config: every option is read") {
  require_same(parse(kText), customised());
}

TEST_CASE("config: an empty file keeps the defaults") {
  require_same(parse(""), default_options(2));
  require_same(parse("# nothing\n\n[DEFAULT]\n"), default_options(2));
}

TEST_CASE("config: whitespace, CRLF and repeated sections") {
  auto o = parse("\t[api]  \r\n  port=1\r\n[DEFAULT]\ndebug = 1\n[api]\n"
                 "listen = ::1\n");
  CHECK(o.api.port == 1);
  CHECK(o.api.listen == "::1");
  CHECK(o.logging.debug);
}

TEST_CASE("config: booleans are oslo's, in any case") {
  for (auto t : {"true", "TRUE", "yes", "Yes", "1", "on", "On"})
    CHECK(parse(std::string{"[DEFAULT]\ndebug = "} + t).logging.debug);
  for (auto f : {"false", "False", "no", "NO", "0", "off"})
    CHECK_FALSE(parse(std::string{"[DEFAULT]\ndebug = true\ndebug = "} + f)
                  .logging.debug);
}

TEST_CASE("config: lists drop blanks; an empty one clears") {
  auto o = parse("[fake_driver]\nfail_on_hosts = , a ,,b\nhang_on_hosts =\n"
                 "[filter_scheduler]\nenabled_filters =\n");
  CHECK(o.fake_driver.fail_on_hosts == std::vector<std::string>{"a", "b"});
  CHECK(o.fake_driver.hang_on_hosts.empty());
  CHECK(o.scheduler.enabled_filters.empty());
}

TEST_CASE("config: host sections replace the default hosts, in file order") {
  auto o = parse("[host:z]\n[DEFAULT]\ndebug = on\n[host:a]\nvcpus = 4\n");
  REQUIRE(o.hosts.size() == 2);
  CHECK(o.hosts[0].name == "z");
  CHECK(o.hosts[1].name == "a");
  // Unset options are host_config's defaults, not base's hosts'.
  CHECK(o.hosts[0].capacity == resources{});
  CHECK(o.hosts[0].availability_zone == "nova");
  CHECK(o.hosts[0].ratios.cpu == 16.0);
  CHECK(o.hosts[0].enabled);
  CHECK(o.hosts[1].capacity == resources{4, 0, 0});
  CHECK(o.images.size() == default_images().size());
}

TEST_CASE("config: image sections replace the default images") {
  auto o = parse("[image:abc]\nname = tiny\n");
  REQUIRE(o.images.size() == 1);
  CHECK(o.images[0].id == "abc");
  CHECK(o.images[0].name == "tiny");
  CHECK(o.images[0].file.empty());
  CHECK(o.images[0].disk_format == "qcow2");
  CHECK(o.hosts.size() == 2);
}

TEST_CASE("config: errors name file, line, option and the problem") {
  auto in = [](const char* section, const std::string& line) {
    return error_of(std::string{"# first\n["} + section + "]\n" + line + "\n");
  };
  SECTION("integers") {
    CHECK(in("DEFAULT", "max_concurrent_builds = ten")
          == "t.conf:3: [DEFAULT] max_concurrent_builds: expected an integer, "
             "got 'ten'");
    CHECK(in("DEFAULT", "max_concurrent_builds = 10x")
          == "t.conf:3: [DEFAULT] max_concurrent_builds: expected an integer, "
             "got '10x'");
    CHECK(in("DEFAULT", "report_interval =")
          == "t.conf:3: [DEFAULT] report_interval: expected an integer, "
             "got ''");
    CHECK(in("DEFAULT", "max_concurrent_builds = 0")
          == "t.conf:3: [DEFAULT] max_concurrent_builds: must be >= 1, got 0");
    CHECK(in("quota", "cores = -2")
          == "t.conf:3: [quota] cores: must be >= -1, got -2");
    CHECK(in("image_cache", "manager_interval = -2")
          == "t.conf:3: [image_cache] manager_interval: must be >= -1, got "
             "-2");
    CHECK(in("image_cache", "download_workers = 0")
          == "t.conf:3: [image_cache] download_workers: must be >= 1, got 0");
    CHECK(in("image_cache", "subdirectory_name = ../base")
          == "t.conf:3: [image_cache] subdirectory_name: must be a folder "
             "name inside instances_path, got '../base'");
    CHECK(in("api", "port = 65536")
          == "t.conf:3: [api] port: must be <= 65535, got 65536");
    CHECK(in("api", "io_threads = 2147483648")
          == "t.conf:3: [api] io_threads: must be <= 2147483647, got "
             "2147483648");
    CHECK(in("quota", "ram = 99999999999999999999")
          == "t.conf:3: [quota] ram: out of range, got 99999999999999999999");
    CHECK(in("fake_driver", "seed = -1")
          == "t.conf:3: [fake_driver] seed: expected a non-negative integer, "
             "got '-1'");
  }
  SECTION("floats") {
    CHECK(in("fake_driver", "failure_rate = 1.5")
          == "t.conf:3: [fake_driver] failure_rate: must be <= 1, got 1.5");
    CHECK(in("fake_driver", "abort_rate = -0.1")
          == "t.conf:3: [fake_driver] abort_rate: must be >= 0, got -0.1");
    CHECK(in("host:a", "ram_allocation_ratio = 0")
          == "t.conf:3: [host:a] ram_allocation_ratio: must be > 0, got 0");
    // Nova refuses negative soft affinity multipliers.
    CHECK(in("filter_scheduler", "soft_affinity_weight_multiplier = -1")
          == "t.conf:3: [filter_scheduler] soft_affinity_weight_multiplier: "
             "must be >= 0, got -1");
    CHECK(in("filter_scheduler", "soft_anti_affinity_weight_multiplier = -0.5")
          == "t.conf:3: [filter_scheduler] "
             "soft_anti_affinity_weight_multiplier: must be >= 0, got -0.5");
    for (std::string bad : {"x", "0.5x", "nan", "inf", "1e999", ""})
      CHECK(in("filter_scheduler", "ram_weight_multiplier = " + bad)
            == "t.conf:3: [filter_scheduler] ram_weight_multiplier: expected "
               "a number, got '" + bad + "'");
  }
  SECTION("booleans") {
    CHECK(in("host:a", "enabled = maybe")
          == "t.conf:3: [host:a] enabled: expected a boolean (true/false, "
             "yes/no, on/off, 1/0), got 'maybe'");
  }
  SECTION("choices") {
    CHECK(in("api", "auth_strategy = basic")
          == "t.conf:3: [api] auth_strategy: 'basic' is not one of noauth2, "
             "keystone");
    CHECK_THAT(in("filter_scheduler",
                  "enabled_filters = RamFilter,NUMATopologyFilter"),
               Catch::StartsWith("t.conf:3: [filter_scheduler] enabled_filters:"
                                 " 'NUMATopologyFilter' is not one of "
                                 "ComputeFilter, "));
    CHECK_THAT(in("image:x", "disk_format = vhd"),
               Catch::StartsWith("t.conf:3: [image:x] disk_format: 'vhd' is "
                                 "not one of qcow2, raw,"));
  }
  SECTION("driver and database") {
    CHECK(in("DEFAULT", "compute_driver = libvirt.LibvirtDriver").empty());
    CHECK(in("libvirt", "connection_uri =")
          == "t.conf:3: [libvirt] connection_uri: must not be empty");
    CHECK_THAT(in("DEFAULT", "compute_driver = vmwareapi.VMwareVCDriver"),
               Catch::Contains("unknown driver 'vmwareapi.VMwareVCDriver'"));
    CHECK_THAT(in("database", "connection = mysql+pymysql://nova:pw@db/nova"),
               Catch::StartsWith("t.conf:3: [database] connection: only SQLite "
                                 "is supported")
                 && Catch::EndsWith("got 'mysql+pymysql://nova:pw@db/nova'"));
    CHECK_THAT(in("database", "connection = sqlite:///"),
               Catch::Contains("only SQLite is supported"));
    CHECK(in("database", "connection = sqlite:////abs/v.db").empty());
  }
  SECTION("glance") {
    CHECK(in("glance", "api_servers = http://[::1]:9292/, https://g").empty());
    CHECK(in("glance", "api_servers = glance:9292")
          == "t.conf:3: [glance] api_servers: 'glance:9292' is not a URL of "
             "the form http(s)://host[:port][/path] (no scheme)");
    CHECK_THAT(in("glance", "api_servers = http://ok, ftp://glance"),
               Catch::Contains("'ftp://glance' is not a URL")
                 && Catch::Contains("scheme ftp is not http or https"));
    CHECK_THAT(in("glance", "api_servers = http://glance:92x2"),
               Catch::Contains("bad port '92x2'"));
    CHECK_THAT(in("glance", "api_servers = http://:9292"),
               Catch::Contains("no host"));
    CHECK(in("glance", "num_retries = -1")
          == "t.conf:3: [glance] num_retries: must be >= 0, got -1");
    CHECK(in("glance", "auth_type = v3token")
          == "t.conf:3: [glance] auth_type: 'v3token' is not supported "
             "(password, or empty for no service user)");
    CHECK_THAT(in("glance", "auth_url = keystone:5000"),
               Catch::Contains("[glance] auth_url: 'keystone:5000' is not a URL"));
    CHECK(error_of("[glance]\nauth_type = password\nauth_url = http://k/v3\n"
                   "username = glance\npassword = x\n")
          == "t.conf:2: [glance] project_name: required with auth_type = "
             "password");
    CHECK(error_of("[glance]\nauth_type = password\n")
          == "t.conf:2: [glance] auth_url: required with auth_type = password");
  }
  SECTION("structure") {
    CHECK(in("foo", "") == "t.conf:2: unknown section [foo]");
    CHECK(in("nova", "connection_uri = qemu:///system")
          == "t.conf:2: unknown section [nova]");
    CHECK(in("api", "prot = 1") == "t.conf:3: [api] prot: unknown option");
    CHECK(in("DEFAULT", "availability_zone = x")
          == "t.conf:3: [DEFAULT] availability_zone: unknown option");
    CHECK(in("api", "port 8774") == "t.conf:3: cannot parse line: port 8774");
    CHECK(in("api", "= 8774") == "t.conf:3: cannot parse line: = 8774");
    CHECK(in("api", "[api") == "t.conf:3: cannot parse line: [api");
    CHECK(error_of("\nport = 1\n")
          == "t.conf:2: option port comes before any [section]");
  }
  SECTION("host and image sections") {
    CHECK(in("host:", "") == "t.conf:2: [host:] needs a host name");
    CHECK(in("image:", "") == "t.conf:2: [image:] needs an image id");
    CHECK(error_of("[host:a]\nvcpus = 1\n[host:a]\n")
          == "t.conf:3: duplicate section [host:a] (first at line 1)");
    CHECK(error_of("[image:i]\nname = x\n\n[image:i]\n")
          == "t.conf:4: duplicate section [image:i] (first at line 1)");
    CHECK(error_of("[image:i]\nname = x\n[image:j]\nfile = f\n")
          == "t.conf:3: [image:j] name: required option missing");
    CHECK(in("image:i", "name =")
          == "t.conf:3: [image:i] name: must not be empty");
  }
  SECTION("latency_max_ms >= latency_min_ms, blamed on the later line") {
    CHECK(error_of("[fake_driver]\nlatency_min_ms = 10\nlatency_max_ms = 5\n")
          == "t.conf:3: [fake_driver] latency_max_ms: must be >= "
             "latency_min_ms (10), got 5");
    CHECK(error_of("[fake_driver]\nlatency_max_ms = 5\nlatency_min_ms = 10\n")
          == "t.conf:3: [fake_driver] latency_min_ms: must be <= "
             "latency_max_ms (5), got 10");
    CHECK(error_of("[fake_driver]\nlatency_min_ms = 1\n")
          == "t.conf:2: [fake_driver] latency_min_ms: must be <= "
             "latency_max_ms (0), got 1");
  }
}

TEST_CASE("config: load_config_file reports unreadable files") {
  auto error_loading = [](const std::string& path) {
    try {
      load_config_file(path, default_options(2));
    } catch (const config_error& e) {
      return std::string{e.what()};
    }
    return std::string{};
  };
  CHECK(error_loading("/nonexistent/vmforge.conf")
        == "cannot read /nonexistent/vmforge.conf: No such file or directory");
  CHECK(error_loading("/") == "cannot read /: Is a directory");
}

TEST_CASE("config: the image cache manager's interval is Nova's") {
  image_cache_options c;
  CHECK(c.manager_period_s() == 2400);
  c.manager_interval_s = 0;
  CHECK(c.manager_period_s() == 60);
  c.manager_interval_s = -1;
  CHECK(c.manager_period_s() == 0);
}

TEST_CASE("config: print_config reads back to the same options") {
  for (auto& o : {default_options(3), customised()}) {
    auto text = print_config(o);
    // A base without hosts or images: the printed file must carry them.
    auto back = parse_config(text, "printed", options{});
    require_same(back, o);
    CHECK(print_config(back) == text);
  }
  auto text = print_config(default_options(1));
  CHECK_THAT(text, Catch::Contains("\n[DEFAULT]\ncompute_driver = "
                                   "fake.FakeDriver\n"));
  CHECK_THAT(text, Catch::Contains("\n[host:compute-1]\navailability_zone = "
                                   "nova\n"));
  CHECK_THAT(text, Catch::Contains("ram_allocation_ratio = 1.5\n"));
  CHECK_THAT(text, Catch::Contains("\n[image:8d1a4c1e-6b7f-4a3e-9a55-"
                                   "0f9c1b2d3e4f]\nname = cirros-"));
}

TEST_CASE("config: etc/vmforge.conf is the default configuration") {
  // ctest runs tests from the build directory, a developer from the tree.
  std::string path;
  for (auto p : {"etc/vmforge.conf", "../etc/vmforge.conf",
                 "../../etc/vmforge.conf"})
    if (auto f = std::fopen(p, "r")) {
      std::fclose(f);
      path = p;
      break;
    }
  REQUIRE_FALSE(path.empty());
  auto expected = default_options(2);
  expected.database_connection = "sqlite:///var/vmforge.db";
  expected.fake_driver.state_path = "var/fake-hypervisor";
  auto got = load_config_file(path, options{});
  require_same(got, expected);
  CHECK(print_config(got) == print_config(expected));
}

TEST_CASE("config: [network:NAME] sections replace the embedded network and "
          "get Nova-like defaults") {
  auto d = default_options(1);
  REQUIRE(d.networks.size() == 1);
  CHECK(d.networks[0].label == "private");
  CHECK(d.networks[0].cidr == "10.42.0.0/16");
  // uuid5 of the name: the same id at every start, as an operator expects.
  CHECK(d.networks[0].id == "3636dcc2-b61c-5ea3-91ef-bb368112320b");
  auto o = parse("[network:tenant-network-one]\ncidr = 192.168.50.0/24\n"
                 "[network:b]\ncidr = 10.8.0.0/16\ngateway = 10.8.0.254\n"
                 "dns = 1.1.1.1, 9.9.9.9\nbridge = br-b\n"
                 "id = 0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b\n");
  REQUIRE(o.networks.size() == 2);
  auto& a = o.networks[0];
  CHECK(a.label == "tenant-network-one");
  CHECK(a.gateway == "192.168.50.1");
  CHECK(a.dns == std::vector<std::string>{"192.168.50.1"});
  // vmf-NAME cut to Linux's 15 characters (IFNAMSIZ).
  CHECK(a.bridge == "vmf-tenant-netw");
  CHECK(a.id == parse("[network:tenant-network-one]\ncidr = 10.0.0.0/8\n")
                  .networks[0]
                  .id);
  auto& b = o.networks[1];
  CHECK(b.id == "0e6a4f0c-1b2d-4e3f-8a5b-6c7d8e9f0a1b");
  CHECK(b.gateway == "10.8.0.254");
  CHECK(b.dns == std::vector<std::string>{"1.1.1.1", "9.9.9.9"});
  CHECK(b.bridge == "br-b");
  CHECK(parse("[network]\nenabled = false\n").networks.empty());
  CHECK_FALSE(parse("[DEFAULT]\n").force_config_drive);
  CHECK(parse("[DEFAULT]\nforce_config_drive = true\n").force_config_drive);
}

TEST_CASE("config: a network's cidr must be IPv4 and its gateway inside") {
  CHECK_THAT(error_of("[network:v6]\ncidr = fd00::/64\n"),
             Catch::Contains("t.conf:1: [network:v6] cidr: expected an IPv4 "
                             "subnet")
               && Catch::Contains("IPv6 is not supported"));
  CHECK_THAT(error_of("[network:x]\ncidr = 10.0.0.1/24\n"),
             Catch::Contains("host bits zero"));
  CHECK_THAT(error_of("[network:x]\ncidr = 10.0.0.0/31\n"),
             Catch::Contains("no addresses for instances"));
  CHECK_THAT(error_of("[network:x]\ncidr = 10.0.0.0/24\ngateway = 10.1.0.1\n"),
             Catch::Contains("gateway: '10.1.0.1' is not a host address of "
                             "10.0.0.0/24"));
  CHECK_THAT(error_of("[network:x]\ngateway = 10.1.0.1\n"),
             Catch::Contains("[network:x] cidr: required option missing"));
  CHECK_THAT(error_of("[network:x]\ncidr = 10.0.0.0/24\nid = net-1\n"),
             Catch::Contains("id: expected a uuid"));
  CHECK_THAT(error_of("[network:x]\ncidr = 10.0.0.0/24\n"
                      "bridge = much-too-long-bridge\n"),
             Catch::Contains("longer than 15 characters"));
  CHECK_THAT(error_of("[network:]\n"), Catch::Contains("needs a network name"));
}
