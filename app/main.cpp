// vmforged: the vmforge daemon, all-in-one (every stage in one process), a
// controller, or one compute host that joins a controller.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include "app/process.hpp"
#include "config/config_file.hpp"
#include "util/log.hpp"

namespace {

using namespace vmforge;

void usage(const char* argv0) {
  std::cout
    << "usage: " << argv0
    << " [--config FILE] [--print-config] [--db-sync] [--hosts N]"
       " [--listen ADDR] [--port N] [--auth-strategy noauth2|keystone]"
       " [--io-threads N] [--metrics-listen ADDR] [--metrics-port N]"
       " [--role controller|compute] [--controller HOST:PORT]"
       " [--host NAME] [--debug]\n"
    << "Starts the vmforge build pipeline and the Compute API, and runs "
       "until SIGINT or SIGTERM. Without --config it runs on its embedded "
       "defaults (those of etc/vmforge.conf: SQLite in ./var, fake driver, "
       "2 hosts, API on 127.0.0.1:8774, metrics on 127.0.0.1:9464). Options "
       "given here override the file; --port 0 and --metrics-port 0 pick a "
       "free port. --print-config prints the "
       "effective configuration, --db-sync applies the database migrations "
       "(as nova-manage db sync); both then exit. --role controller runs "
       "the API, conductor, scheduler and store, and takes compute hosts "
       "on [cluster] listen:port; --role compute runs the compute host "
       "--host NAME (or [DEFAULT] host), joined to --controller HOST:PORT. "
       "docs/configuration.md lists every option, docs/cluster.md the "
       "roles.\n";
}

// The defaults `make run` and etc/vmforge.conf share.
options embedded_defaults() {
  auto opts = default_options(2);
  opts.fake_driver.state_path = "var/fake-hypervisor";
  return opts;
}

// Applies the command line over `opts` (after the file has been read, so
// it wins); answers false with a message on a bad argument.
bool parse_args(int argc, char** argv, command_line& cl, options& opts,
                std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      return i + 1 < argc ? argv[++i] : nullptr;
    };
    auto number = [&](int64_t min) -> std::optional<int64_t> {
      auto v = value();
      char* end = nullptr;
      auto n = v ? std::strtoll(v, &end, 10) : 0;
      if (!v || *end != '\0' || n < min) {
        error = arg + " needs a number >= " + std::to_string(min);
        return std::nullopt;
      }
      return n;
    };
    if (arg == "--config") {
      auto v = value();
      if (!v) {
        error = "--config needs a file";
        return false;
      }
      cl.config_file = v;
    } else if (arg == "--print-config") {
      cl.print_config = true;
    } else if (arg == "--db-sync") {
      cl.db_sync = true;
    } else if (arg == "--debug") {
      opts.logging.debug = true;
    } else if (arg == "--hosts") {
      auto n = number(1);
      if (!n)
        return false;
      opts.hosts = default_options(static_cast<int>(*n)).hosts;
    } else if (arg == "--port" || arg == "--metrics-port") {
      auto n = number(0);
      if (!n || *n > 65535) {
        error = arg + " needs a number in 0..65535";
        return false;
      }
      (arg == "--port" ? opts.api.port : opts.metrics.port)
        = static_cast<uint16_t>(*n);
    } else if (arg == "--io-threads") {
      auto n = number(1);
      if (!n)
        return false;
      opts.api.io_threads = static_cast<int32_t>(*n);
    } else if (arg == "--listen" || arg == "--auth-strategy"
               || arg == "--metrics-listen" || arg == "--controller"
               || arg == "--host") {
      auto v = value();
      if (!v) {
        error = arg + " needs a value";
        return false;
      }
      (arg == "--listen"          ? opts.api.listen
       : arg == "--auth-strategy" ? opts.api.auth_strategy
       : arg == "--controller"    ? cl.controller
       : arg == "--host"          ? opts.host
                                  : opts.metrics.listen)
        = v;
    } else if (arg == "--role") {
      auto v = value();
      std::string r = v ? v : "";
      if (r == "controller")
        cl.process_role = role::controller;
      else if (r == "compute")
        cl.process_role = role::compute;
      else {
        error = "--role must be controller or compute";
        return false;
      }
    } else {
      error = "unknown argument '" + arg + "'";
      return false;
    }
  }
  if (opts.api.auth_strategy != "noauth2" && opts.api.auth_strategy != "keystone") {
    error = "--auth-strategy must be noauth2 or keystone";
    return false;
  }
  if (!cl.controller.empty() && cl.process_role != role::compute) {
    error = "--controller is for --role compute";
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  command_line cl;
  auto opts = embedded_defaults();
  std::string error;
  // The file first (the command line overrides it), so parse twice.
  if (!parse_args(argc, argv, cl, opts, error)) {
    std::cerr << argv[0] << ": " << error << "\n";
    usage(argv[0]);
    return 2;
  }
  if (!cl.config_file.empty()) {
    try {
      opts = load_config_file(cl.config_file, embedded_defaults());
    } catch (const config_error& e) {
      std::cerr << argv[0] << ": " << e.what() << "\n";
      return 2;
    }
    parse_args(argc, argv, cl, opts, error);
  }
  if (cl.print_config) {
    std::cout << print_config(opts);
    return 0;
  }
  log::set_level(opts.logging.debug ? log::level::debug : log::level::info);
  if (!opts.logging.log_file.empty() && !log::set_file(opts.logging.log_file)) {
    std::cerr << argv[0] << ": cannot open log_file " << opts.logging.log_file
              << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  if (cl.process_role == role::compute)
    return run_compute_process(std::move(opts), cl, argv[0]);
  return run_api_process(std::move(opts), cl, argv[0]);
}
