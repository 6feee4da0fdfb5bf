#include "bench/vmforge_bench/options.hpp"

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <type_traits>
#include <vector>
#include <unistd.h>

namespace vmforge::bench {

namespace {

constexpr const char* usage = R"(usage: vmforge-bench SCENARIO [N|RATE] [options]

Scenarios:
  boot-and-delete        closed loop: create, poll until ACTIVE, delete, poll
                         until 404 (Rally's NovaServers.boot_and_delete_server);
                         --concurrency cycles at once, for --duration or --count
  burst N                create N servers at once, wait until all are ACTIVE
                         (they are deleted afterwards, not timed)
  steady RATE            open loop: start RATE boot-and-delete cycles per
                         second for --duration, whatever the latency
  read-mix               GET /servers (list) and GET /servers/{id} by
                         --concurrency readers while --concurrency
                         boot-and-delete cycles run, for --duration
  versions               GET / (the version document) for --duration: the
                         HTTP floor, a baseline for the other figures

Options:
  --endpoint URL         Compute API base [http://127.0.0.1:8774/v2.1]
  --token TOKEN          X-Auth-Token [bench:PROJECT, vmforge's noauth2]
  --project ID           project (noauth2: the token's project) [bench]
  --flavor REF --image REF   create body's flavorRef / imageRef
  --networks none|auto   the create body's networks [none]
  --microversion V       compute microversion sent [2.37]
  --connections N        HTTP keep-alive connections [64]
  --concurrency N        closed-loop cycles or readers at once [64]
  --count N              boot-and-delete: stop after N cycles
  --duration S           seconds [10]
  --poll-interval MS     between status polls of one server [10]
  --build-timeout S      a server not ACTIVE (or gone) by then is an error [60]
  --request-timeout S    per HTTP request [30]
  --json FILE            write the results as JSON
  --plots PREFIX         write PREFIX-latency.png and PREFIX-timeline.png
                         (through gnuplot) with their data files
  --progress / --no-progress   live progress line [when stderr is a terminal]
)";

std::optional<double> number(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v >= 0))
    return std::nullopt;
  return v;
}

std::chrono::milliseconds ms(double v) {
  return std::chrono::milliseconds{static_cast<long>(v)};
}

} // namespace

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  exit_code = 2;
  bool token_given = false;
  auto fail = [&](const std::string& what) -> std::optional<options> {
    std::fprintf(stderr, "vmforge-bench: %s (see --help)\n", what.c_str());
    return std::nullopt;
  };
  using setter = std::function<bool(const std::string&)>;
  auto positive = [](auto& field, double scale) {
    return setter{[&field, scale](const std::string& s) {
      auto v = number(s);
      if (!v || *v <= 0)
        return false;
      if constexpr (std::is_same_v<std::decay_t<decltype(field)>,
                                   std::chrono::milliseconds>)
        field = ms(*v * scale);
      else
        field = static_cast<std::decay_t<decltype(field)>>(*v * scale);
      return true;
    }};
  };
  auto text = [](std::string& field) {
    return setter{[&field](const std::string& s) {
      field = s;
      return !s.empty();
    }};
  };
  std::map<std::string, setter> with_value{
    {"--endpoint", text(o.endpoint)},
    {"--token", [&](const std::string& s) { token_given = true; o.token = s; return !s.empty(); }},
    {"--project", text(o.project)},
    {"--flavor", text(o.flavor)},
    {"--image", text(o.image)},
    {"--networks", text(o.networks)},
    {"--microversion", text(o.microversion)},
    {"--connections", positive(o.connections, 1)},
    {"--concurrency", positive(o.concurrency, 1)},
    {"--count", positive(o.count, 1)},
    {"--duration", positive(o.duration, 1000)},
    {"--poll-interval", positive(o.poll_interval, 1)},
    {"--build-timeout", positive(o.build_timeout, 1000)},
    {"--request-timeout", positive(o.request_timeout, 1000)},
    {"--json", text(o.json_out)},
    {"--plots", text(o.plot_prefix)},
  };
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      exit_code = 0;
      return std::nullopt;
    }
    if (arg == "--progress" || arg == "--no-progress") {
      o.progress = arg == "--progress";
      continue;
    }
    if (auto it = with_value.find(arg); it != with_value.end()) {
      if (i + 1 == argc)
        return fail(arg + " needs a value");
      if (!it->second(argv[++i]))
        return fail("bad value for " + arg + ": '" + argv[i] + "'");
      continue;
    }
    if (arg.rfind("--", 0) == 0)
      return fail("unknown option " + arg);
    positional.push_back(arg);
  }
  if (positional.empty())
    return fail("no scenario");
  o.scenario = positional[0];
  auto argument = [&]() -> std::optional<double> {
    if (positional.size() != 2)
      return std::nullopt;
    auto v = number(positional[1]);
    return v && *v > 0 ? v : std::nullopt;
  };
  if (o.scenario == "burst") {
    auto n = argument();
    if (!n)
      return fail("burst needs N, the number of servers");
    o.count = static_cast<long>(*n);
  } else if (o.scenario == "steady") {
    auto r = argument();
    if (!r)
      return fail("steady needs RATE, cycles started per second");
    o.rate = *r;
  } else if (o.scenario == "boot-and-delete" || o.scenario == "read-mix"
             || o.scenario == "versions") {
    if (positional.size() != 1)
      return fail(o.scenario + " takes no argument");
  } else {
    return fail("unknown scenario " + o.scenario);
  }
  if (!token_given)
    o.token = "bench:" + o.project;
  if (!o.progress)
    o.progress = ::isatty(STDERR_FILENO) == 1;
  exit_code = 0;
  return o;
}

} // namespace vmforge::bench
