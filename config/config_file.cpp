#include "config/config_file.hpp"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>
#include <utility>
#include <vector>

namespace vmforge {

namespace {

using names = std::initializer_list<const char*>;
/// A string option's own rule: the problem with a value, empty if none.
using check_fn = std::string (*)(const std::string&);

constexpr double inf = std::numeric_limits<double>::infinity();

/// The values a float option accepts: [lo, hi], or (lo, hi] if open_lo.
struct interval {
  double lo;
  double hi;
  bool open_lo = false;
};

constexpr interval any_number{-inf, inf};
constexpr interval fraction{0.0, 1.0};
constexpr interval positive{0.0, inf, true};
constexpr interval non_negative{0.0, inf, false};

std::string driver_problem(const std::string& v) {
  if (v == "fake.FakeDriver" || v == "libvirt.LibvirtDriver")
    return {};
  return "unknown driver '" + v
         + "' (expected fake.FakeDriver or libvirt.LibvirtDriver)";
}

std::string connection_problem(const std::string& v) {
  if (v.empty() || sqlite_file(v))
    return {};
  return "only SQLite is supported (sqlite:///PATH, or empty for no "
         "persistence), got '" + v + "'";
}

std::string required(const std::string& v) {
  return v.empty() ? "must not be empty" : "";
}

// scheme://host[:port][/path], as Nova's api_servers and keystoneauth's
// auth_url take them.
std::string url_problem(const std::string& v) {
  auto bad = [&](const std::string& why) {
    return "'" + v + "' is not a URL of the form http(s)://host[:port][/path]"
           + (why.empty() ? "" : " (" + why + ")");
  };
  auto sep = v.find("://");
  if (sep == std::string::npos)
    return bad("no scheme");
  auto scheme = v.substr(0, sep);
  if (scheme != "http" && scheme != "https")
    return bad("scheme " + scheme + " is not http or https");
  auto rest = v.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string::npos)
    return bad("credentials in the URL are not supported");
  auto host = authority;
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return bad("unclosed [");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      return bad("");
    if (!after.empty())
      port = after.substr(1);
  } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty())
    return bad("no host");
  if (authority.find(':') != std::string::npos || !port.empty()) {
    unsigned n = 0;
    auto end = port.data() + port.size();
    auto res = std::from_chars(port.data(), end, n);
    if (port.empty() || res.ec != std::errc{} || res.ptr != end || n == 0
        || n > 65535)
      return bad("bad port '" + port + "'");
  }
  if (rest.find_first_of("?#") != std::string::npos)
    return bad("no query or fragment");
  return {};
}

std::string optional_url(const std::string& v) {
  return v.empty() ? "" : url_problem(v);
}

std::string auth_type_problem(const std::string& v) {
  if (v.empty() || v == "password")
    return {};
  return "'" + v + "' is not supported (password, or empty for no service "
         "user)";
}

// A folder name inside instances_path, as Nova reads it.
std::string subdirectory_problem(const std::string& v) {
  if (v.empty())
    return "must not be empty";
  if (v == "." || v == ".." || v.find('/') != std::string::npos)
    return "must be a folder name inside instances_path, got '" + v + "'";
  return {};
}

// Every option, once: the reader and the writer below walk these same
// calls, so that names, kinds and limits cannot drift apart between
// parse_config and print_config. `O` is const when printing.
template <class O, class F>
void fixed_sections(O& o, F& f) {
  if (f.section("DEFAULT")) {
    f.text("compute_driver", o.compute_driver, driver_problem);
    f.text("instances_path", o.instances_path, required);
    f.integer("graceful_shutdown_timeout", o.graceful_shutdown_timeout_s, 0);
    f.integer("shutdown_timeout", o.shutdown_timeout_s, 0);
    f.integer("max_concurrent_builds", o.max_concurrent_builds, 1);
    f.integer("instance_build_timeout", o.instance_build_timeout_s, 0);
    f.integer("report_interval", o.report_interval_s, 1);
    f.integer("shelved_offload_time", o.shelved_offload_time_s, -1);
    f.integer("shelved_poll_interval", o.shelved_poll_interval_s,
              std::numeric_limits<int64_t>::min());
    f.integer("service_down_time", o.scheduler.service_down_time_s, 1);
    // Hours up to about 100 years, so that microseconds fit in 64 bits.
    f.integer("deleted_retention", o.deleted_retention_hours, 0, 876000);
    f.integer("deleted_retention_count", o.deleted_retention_count, 0);
    f.text("multi_instance_display_name_template",
           o.multi_instance_display_name_template);
    f.flag("debug", o.logging.debug);
    f.text("log_file", o.logging.log_file);
    f.text("host", o.host);
    f.flag("force_config_drive", o.force_config_drive);
  }
  if (f.section("network"))
    f.flag("enabled", o.networks_enabled);
  if (f.section("libvirt")) {
    f.text("connection_uri", o.libvirt.connection_uri, required);
    f.choice("virt_type", o.libvirt.virt_type, {"auto", "kvm", "qemu"});
    f.integer("tcg_tb_cache_mb", o.libvirt.tcg_tb_cache_mb, 0);
  }
  if (f.section("image_cache")) {
    auto& c = o.image_cache;
    f.integer("manager_interval", c.manager_interval_s, -1);
    f.text("subdirectory_name", c.subdirectory_name, subdirectory_problem);
    f.flag("remove_unused_base_images", c.remove_unused_base_images);
    f.integer("remove_unused_original_minimum_age_seconds",
              c.remove_unused_original_minimum_age_seconds, 0);
    f.integer("download_workers", c.download_workers, 1);
  }
  if (f.section("database"))
    f.text("connection", o.database_connection, connection_problem);
  if (f.section("api")) {
    f.text("listen", o.api.listen);
    f.integer("port", o.api.port, 0);
    f.integer("io_threads", o.api.io_threads, 1);
    f.choice("auth_strategy", o.api.auth_strategy, {"noauth2", "keystone"});
    f.integer("image_workers", o.api.image_workers, 1);
  }
  if (f.section("metrics")) {
    f.text("listen", o.metrics.listen);
    f.integer("port", o.metrics.port, 0);
  }
  if (f.section("cluster")) {
    auto& c = o.cluster;
    f.text("listen", c.listen, required);
    f.integer("port", c.port, 0);
    f.text("certificate", c.certificate);
    f.text("private_key", c.private_key);
    f.text("ca_file", c.ca_file);
    f.text("server_name", c.server_name);
    f.number("heartbeat_interval", c.heartbeat_interval_s, positive);
    f.number("connection_timeout", c.connection_timeout_s, positive);
    f.number("handshake_timeout", c.handshake_timeout_s, positive);
    f.integer("max_connections", c.max_connections, 1);
    f.integer("rejoin_wait", c.rejoin_wait_s, 0);
  }
  if (f.section("glance")) {
    auto& g = o.glance;
    f.list("api_servers", g.api_servers, url_problem);
    f.integer("num_retries", g.num_retries, 0);
    f.integer("timeout", g.timeout_s, 0);
    f.text("cafile", g.cafile);
    f.text("auth_type", g.auth_type, auth_type_problem);
    f.text("auth_url", g.auth_url, optional_url);
    f.text("username", g.username);
    f.text("password", g.password);
    f.text("project_name", g.project_name);
    f.text("user_domain_name", g.user_domain_name);
    f.text("project_domain_name", g.project_domain_name);
  }
  if (f.section("scheduler"))
    f.integer("max_attempts", o.scheduler.max_attempts, 1);
  if (f.section("filter_scheduler")) {
    auto& s = o.scheduler;
    f.list("enabled_filters", s.enabled_filters,
           {"ComputeFilter", "AvailabilityZoneFilter", "RamFilter",
            "CoreFilter", "DiskFilter", "ServerGroupAntiAffinityFilter",
            "ServerGroupAffinityFilter", "AggregateInstanceExtraSpecsFilter",
            "AggregateMultiTenancyIsolation",
            "AggregateImagePropertiesIsolation"});
    f.integer("host_subset_size", s.host_subset_size, 1);
    f.number("ram_weight_multiplier", s.ram_weight_multiplier, any_number);
    f.number("cpu_weight_multiplier", s.cpu_weight_multiplier, any_number);
    f.number("disk_weight_multiplier", s.disk_weight_multiplier, any_number);
    // Nova's: negative is refused (the soft policies would turn around).
    f.number("soft_affinity_weight_multiplier",
             s.soft_affinity_weight_multiplier, non_negative);
    f.number("soft_anti_affinity_weight_multiplier",
             s.soft_anti_affinity_weight_multiplier, non_negative);
    f.text("aggregate_image_properties_isolation_namespace",
           s.aggregate_image_properties_isolation_namespace);
    f.text("aggregate_image_properties_isolation_separator",
           s.aggregate_image_properties_isolation_separator);
  }
  if (f.section("quota")) {
    // -1 is unlimited, as in Nova.
    f.integer("instances", o.quota.instances, -1);
    f.integer("cores", o.quota.cores, -1);
    f.integer("ram", o.quota.ram_mb, -1);
    f.integer("metadata_items", o.quota_metadata_items, -1);
  }
  if (f.section("fake_driver")) {
    auto& d = o.fake_driver;
    f.integer("latency_min_ms", d.latency_min_ms, 0);
    f.integer("latency_max_ms", d.latency_max_ms, 0);
    f.number("failure_rate", d.failure_rate, fraction);
    f.number("abort_rate", d.abort_rate, fraction);
    f.list("fail_on_hosts", d.fail_on_hosts);
    f.list("hang_on_hosts", d.hang_on_hosts);
    f.integer("throw_on_nth_call", d.throw_on_nth_call, 0);
    f.integer("seed", d.seed, 0);
    f.text("state_path", d.state_path);
    f.integer("vcpus", d.capacity.vcpus, 1);
    f.integer("memory_mb", d.capacity.ram_mb, 1);
    f.integer("disk_gb", d.capacity.disk_gb, 1);
  }
}

/// One [host:NAME] section.
template <class H, class F>
void host_options(H& h, F& f) {
  f.text("availability_zone", h.availability_zone);
  // 0 takes the driver's reported number.
  f.integer("vcpus", h.capacity.vcpus, 0);
  f.integer("memory_mb", h.capacity.ram_mb, 0);
  f.integer("disk_gb", h.capacity.disk_gb, 0);
  f.number("cpu_allocation_ratio", h.ratios.cpu, positive);
  f.number("ram_allocation_ratio", h.ratios.ram, positive);
  f.number("disk_allocation_ratio", h.ratios.disk, positive);
  f.flag("enabled", h.enabled);
  f.text("connection_uri", h.connection_uri);
}

/// One [image:ID] section.
template <class I, class F>
void image_options(I& i, F& f) {
  f.text("name", i.name, required);
  f.text("file", i.file);
  f.choice("disk_format", i.disk_format,
           {"qcow2", "raw", "vmdk", "vdi", "iso", "ami"});
  f.integer("min_ram", i.min_ram_mb, 0);
  f.integer("min_disk", i.min_disk_gb, 0);
}

/// One [network:NAME] section (complete_network fills the defaults).
template <class N, class F>
void network_options(N& n, F& f) {
  f.text("id", n.id);
  f.text("cidr", n.cidr, required);
  f.text("gateway", n.gateway);
  f.list("dns", n.dns);
  f.text("bridge", n.bridge);
}

std::string trim(const std::string& s) {
  const char* space = " \t\r\f\v";
  auto b = s.find_first_not_of(space);
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

template <class Strings>
std::string join(const Strings& xs, const char* sep) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : sep) + std::string{x};
  return out;
}

/// Shortest text that reads back to the same double.
std::string format_number(double x) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, x);
  return {buf, res.ptr};
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// Applies a file's lines to an `options`, one at a time.
class reader {
public:
  reader(const std::string& file, options& o) : file_(file), o_(o) {
  }

  void read(int line, const std::string& raw) {
    line_ = line;
    auto t = trim(raw);
    if (t.empty() || t[0] == '#' || t[0] == ';')
      return;
    if (t.front() == '[' && t.back() == ']')
      return open(trim(t.substr(1, t.size() - 2)));
    auto eq = t.find('=');
    auto key = trim(t.substr(0, eq));
    if (eq == std::string::npos || key.empty())
      fail_at(line_, "cannot parse line: " + t);
    if (section_.empty())
      fail_at(line_, "option " + key + " comes before any [section]");
    key_ = key;
    value_ = trim(t.substr(eq + 1));
    found_ = false;
    if (kind_ == kind::host)
      host_options(o_.hosts.back(), *this);
    else if (kind_ == kind::image)
      image_options(o_.images.back(), *this);
    else if (kind_ == kind::network)
      network_options(o_.networks.back(), *this);
    else
      fixed_sections(o_, *this);
    if (!found_)
      fail("unknown option");
    option_lines_[{section_, key_}] = line_;
  }

  /// The checks that need the whole file.
  void finish() {
    if (own_images_)
      for (auto& i : o_.images) {
        auto section = "image:" + i.id;
        if (!option_lines_.count({section, "name"}))
          fail_at(section_lines_[section],
                  "[" + section + "] name: required option missing");
      }
    if (own_networks_)
      for (auto& n : o_.networks) {
        auto section = "network:" + n.label;
        if (!option_lines_.count({section, "cidr"}))
          fail_at(section_lines_[section],
                  "[" + section + "] cidr: required option missing");
        if (auto problem = complete_network(n); !problem.empty())
          fail_at(section_lines_[section], "[" + section + "] " + problem);
      }
    if (!o_.networks_enabled)
      o_.networks.clear();
    auto& g = o_.glance;
    if (g.service_user()) {
      auto need = [&](const char* key, const std::string& v) {
        if (v.empty())
          fail_at(line_of("glance", "auth_type"),
                  std::string{"[glance] "} + key
                    + ": required with auth_type = password");
      };
      need("auth_url", g.auth_url);
      need("username", g.username);
      need("password", g.password);
      need("project_name", g.project_name);
    }
    auto& d = o_.fake_driver;
    auto min_line = line_of("fake_driver", "latency_min_ms");
    auto max_line = line_of("fake_driver", "latency_max_ms");
    if (d.latency_max_ms < d.latency_min_ms && (min_line || max_line)) {
      // Blame whichever of the two the file set last.
      if (max_line >= min_line)
        fail_at(max_line, "[fake_driver] latency_max_ms: must be >= "
                            "latency_min_ms ("
                            + std::to_string(d.latency_min_ms) + "), got "
                            + std::to_string(d.latency_max_ms));
      fail_at(min_line, "[fake_driver] latency_min_ms: must be <= "
                          "latency_max_ms ("
                          + std::to_string(d.latency_max_ms) + "), got "
                          + std::to_string(d.latency_min_ms));
    }
  }

  // The option kinds fixed_sections, host_options and image_options use.

  bool section(const char* name) {
    if (section_ != name)
      return false;
    known_ = true;
    return true;
  }

  void text(const char* name, std::string& field, check_fn check = nullptr) {
    if (!take(name))
      return;
    if (check)
      if (auto problem = check(value_); !problem.empty())
        fail(problem);
    field = value_;
  }

  void choice(const char* name, std::string& field, names allowed) {
    if (!take(name))
      return;
    require_one_of(value_, allowed);
    field = value_;
  }

  void list(const char* name, std::vector<std::string>& field,
            names allowed = {}) {
    if (take(name))
      field = items([&](const std::string& t) { require_one_of(t, allowed); });
  }

  /// A list whose every item passes `check`.
  void list(const char* name, std::vector<std::string>& field,
            check_fn check) {
    if (take(name))
      field = items([&](const std::string& t) {
        if (auto problem = check(t); !problem.empty())
          fail(problem);
      });
  }

  void flag(const char* name, bool& field) {
    if (!take(name))
      return;
    auto v = lower(value_);
    if (v == "true" || v == "yes" || v == "on" || v == "1")
      field = true;
    else if (v == "false" || v == "no" || v == "off" || v == "0")
      field = false;
    else
      fail("expected a boolean (true/false, yes/no, on/off, 1/0), got '"
           + value_ + "'");
  }

  // The limits are common_type_t so that literals need no cast: it keeps
  // them out of T's deduction.
  template <class T>
  void integer(const char* name, T& field, std::common_type_t<T> min,
               std::common_type_t<T> max = std::numeric_limits<T>::max()) {
    if (!take(name))
      return;
    // Parsed wide, so that a value beyond T gets the range message.
    using wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
    wide x = 0;
    auto end = value_.data() + value_.size();
    auto res = std::from_chars(value_.data(), end, x);
    if (res.ec == std::errc::result_out_of_range)
      fail("out of range, got " + value_);
    if (res.ec != std::errc{} || res.ptr != end)
      fail(std::string{"expected "}
           + (std::is_signed_v<T> ? "an integer" : "a non-negative integer")
           + ", got '" + value_ + "'");
    if (x < static_cast<wide>(min))
      fail("must be >= " + std::to_string(min) + ", got " + value_);
    if (x > static_cast<wide>(max))
      fail("must be <= " + std::to_string(max) + ", got " + value_);
    field = static_cast<T>(x);
  }

  void number(const char* name, double& field, interval allowed) {
    if (!take(name))
      return;
    double x = 0;
    auto end = value_.data() + value_.size();
    auto res = std::from_chars(value_.data(), end, x);
    if (res.ec != std::errc{} || res.ptr != end || !std::isfinite(x))
      fail("expected a number, got '" + value_ + "'");
    if (allowed.open_lo ? x <= allowed.lo : x < allowed.lo)
      fail(std::string{"must be "} + (allowed.open_lo ? "> " : ">= ")
           + format_number(allowed.lo) + ", got " + value_);
    if (x > allowed.hi)
      fail("must be <= " + format_number(allowed.hi) + ", got " + value_);
    field = x;
  }

private:
  enum class kind { fixed, host, image, network };

  void open(const std::string& name) {
    section_ = name;
    bool host = starts_with(name, "host:");
    bool net = starts_with(name, "network:");
    if (host || net || starts_with(name, "image:")) {
      auto id = name.substr(name.find(':') + 1);
      if (id.empty())
        fail_at(line_, "[" + name + "] needs "
                         + (host  ? "a host name"
                            : net ? "a network name"
                                  : "an image id"));
      if (auto first = section_lines_.find(name); first != section_lines_.end())
        fail_at(line_, "duplicate section [" + name + "] (first at line "
                         + std::to_string(first->second) + ")");
      // The file's hosts and images replace the defaults, not extend them.
      if (host) {
        if (!std::exchange(own_hosts_, true))
          o_.hosts.clear();
        o_.hosts.emplace_back().name = id;
        kind_ = kind::host;
      } else if (net) {
        if (!std::exchange(own_networks_, true))
          o_.networks.clear();
        o_.networks.emplace_back().label = id;
        kind_ = kind::network;
      } else {
        if (!std::exchange(own_images_, true))
          o_.images.clear();
        o_.images.emplace_back().id = id;
        kind_ = kind::image;
      }
    } else {
      // No option has an empty name: this only asks section() about it.
      key_.clear();
      known_ = false;
      fixed_sections(o_, *this);
      if (!known_)
        fail_at(line_, "unknown section [" + name + "]");
      kind_ = kind::fixed;
    }
    section_lines_.emplace(name, line_);
  }

  /// The value's comma-separated items, blanks dropped, each given to
  /// `check` (which fails on a bad one).
  template <class Check>
  std::vector<std::string> items(Check check) {
    std::vector<std::string> out;
    std::istringstream in{value_};
    for (std::string item; std::getline(in, item, ',');)
      if (auto t = trim(item); !t.empty()) {
        check(t);
        out.push_back(t);
      }
    return out;
  }

  bool take(const char* name) {
    if (key_ != name)
      return false;
    found_ = true;
    return true;
  }

  void require_one_of(const std::string& v, names allowed) {
    if (allowed.size() == 0)
      return;
    for (auto a : allowed)
      if (v == a)
        return;
    fail("'" + v + "' is not one of " + join(allowed, ", "));
  }

  int line_of(const std::string& section, const std::string& key) const {
    auto i = option_lines_.find({section, key});
    return i == option_lines_.end() ? 0 : i->second;
  }

  [[noreturn]] void fail_at(int line, const std::string& what) const {
    throw config_error(file_ + ":" + std::to_string(line) + ": " + what);
  }

  [[noreturn]] void fail(const std::string& problem) const {
    fail_at(line_, "[" + section_ + "] " + key_ + ": " + problem);
  }

  const std::string& file_;
  options& o_;
  int line_ = 0;
  std::string section_;
  kind kind_ = kind::fixed;
  std::string key_;
  std::string value_;
  bool found_ = false;
  bool known_ = false;
  bool own_hosts_ = false;
  bool own_images_ = false;
  bool own_networks_ = false;
  std::map<std::string, int> section_lines_;
  std::map<std::pair<std::string, std::string>, int> option_lines_;
};

/// Prints what reader reads: the same calls, the other way.
class writer {
public:
  bool section(const std::string& name) {
    out_ << "\n[" << name << "]\n";
    return true;
  }

  void text(const char* name, const std::string& v, check_fn = nullptr) {
    put(name, v);
  }

  void choice(const char* name, const std::string& v, names) {
    put(name, v);
  }

  void list(const char* name, const std::vector<std::string>& v,
            names = {}) {
    put(name, join(v, ","));
  }

  void list(const char* name, const std::vector<std::string>& v, check_fn) {
    put(name, join(v, ","));
  }

  void flag(const char* name, bool v) {
    put(name, v ? "true" : "false");
  }

  template <class T>
  void integer(const char* name, T v, std::common_type_t<T>,
               std::common_type_t<T> = 0) {
    put(name, std::to_string(v));
  }

  void number(const char* name, double v, interval) {
    put(name, format_number(v));
  }

  std::string str() const {
    return out_.str();
  }

private:
  void put(const char* name, const std::string& v) {
    out_ << name << (v.empty() ? " =" : " = ") << v << '\n';
  }

  std::ostringstream out_;
};

} // namespace

options load_config_file(const std::string& path, options base) {
  auto cannot_read = [&](int err) {
    return config_error("cannot read " + path + ": " + std::strerror(err));
  };
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    throw cannot_read(errno);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
    text.append(buf, n);
  // A directory opens but does not read (EISDIR).
  int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err)
    throw cannot_read(err);
  return parse_config(text, path, std::move(base));
}

options parse_config(const std::string& text, const std::string& name,
                     options base) {
  reader r{name, base};
  std::istringstream in{text};
  int line = 0;
  for (std::string raw; std::getline(in, raw);)
    r.read(++line, raw);
  r.finish();
  return base;
}

std::string print_config(const options& opts) {
  writer w;
  fixed_sections(opts, w);
  for (auto& h : opts.hosts) {
    w.section("host:" + h.name);
    host_options(h, w);
  }
  for (auto& i : opts.images) {
    w.section("image:" + i.id);
    image_options(i, w);
  }
  for (auto& n : opts.networks) {
    w.section("network:" + n.label);
    network_options(n, w);
  }
  return "# vmforge effective configuration (vmforged --print-config)\n"
         + w.str();
}

} // namespace vmforge
