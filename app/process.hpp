#pragma once

#include <csignal>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "config/options.hpp"
#include "metrics/endpoint.hpp"

// What every vmforged process does the same way, whatever its role.
namespace vmforge {

enum class role {
  all_in_one,
  controller,
  compute,
};

struct command_line {
  std::string config_file;
  bool print_config = false;
  bool db_sync = false;
  role process_role = role::all_in_one;
  /// --role compute: the controller's cluster endpoint, HOST:PORT.
  std::string controller;
};

/// SIGINT and SIGTERM, blocked in every thread so that only
/// wait_for_signal sees them. Call before any thread starts.
sigset_t block_stop_signals();

/// Waits for a stop signal; answers its number.
int wait_for_signal(const sigset_t& signals);

/// After the first stop signal: a second one ends the process at once.
void exit_on_second_signal(const sigset_t& signals);

/// Binds [metrics] first, so that a port conflict stops vmforged before it
/// touches anything (exit 2 with the reason on stderr); null then.
std::unique_ptr<metrics::endpoint> start_metrics(const options& opts,
                                                 metrics::registry_ptr reg,
                                                 const char* argv0);

/// CAF's middleman for a controller or a compute: heartbeats on, with the
/// same [cluster] values at both ends (docs/cluster.md says why).
void configure_cluster(caf::actor_system_config& cfg, const options& opts);

/// The problem with `opts`' [cluster] section for `r`, empty if none: TLS
/// files given only in part, a connection_timeout that heartbeats cannot
/// keep alive, a non-loopback endpoint without TLS.
std::string cluster_problem(const options& opts, role r,
                            const std::string& controller_host);

bool is_loopback(const std::string& address);

/// Runs the API side: all-in-one (every host in this process), or a
/// controller (hosts join over [cluster]). Answers the exit code.
int run_api_process(options opts, const command_line& cl, const char* argv0);

/// Runs one compute host that joins the controller. Answers the exit code.
int run_compute_process(options opts, const command_line& cl,
                        const char* argv0);

} // namespace vmforge
