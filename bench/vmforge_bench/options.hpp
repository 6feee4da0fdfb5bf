#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace vmforge::bench {

/// What a run is asked to do: the target, the load shape and the outputs.
struct options {
  // The target: vmforge's defaults, so a bare run hits `make run`.
  std::string endpoint = "http://127.0.0.1:8774/v2.1";
  std::string token = "bench:bench"; // noauth2 user:project, or a Keystone token
  std::string project = "bench";     // the default token is bench:PROJECT; kept in the results
  std::string flavor = "1";
  std::string image = "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f";
  // "none" needs microversion 2.37, which is also the oldest version at
  // which Nova requires the field: the two are sent together.
  std::string networks = "none";
  std::string microversion = "2.37";

  std::string scenario;   // boot-and-delete | burst | steady | read-mix | versions
  long count = 0;         // burst: servers; boot-and-delete: cycles (0: by duration)
  double rate = 0;        // steady: cycles started per second
  std::chrono::milliseconds duration{10000};
  int connections = 64;   // HTTP keep-alive connections to the endpoint
  int concurrency = 64;   // closed loop: cycles (or readers) in progress at once
  std::chrono::milliseconds poll_interval{10};
  std::chrono::milliseconds build_timeout{60000}; // ACTIVE / gone, per server
  std::chrono::milliseconds request_timeout{30000};

  std::string json_out;   // results file; empty: none
  std::string plot_prefix; // PREFIX-latency.png, PREFIX-timeline.png; empty: none
  std::optional<bool> progress; // default: when stderr is a terminal
};

/// Parses argv; on a bad or missing argument prints the problem (or the
/// help) and returns nullopt with `exit_code` set.
std::optional<options> parse_options(int argc, char** argv, int& exit_code);

} // namespace vmforge::bench
