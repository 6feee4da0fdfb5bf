#!/usr/bin/env bash
# The standard benchmarks (make bench): runs vmforge-bench-pipeline
# with the issue's sizes and writes bench/results/<date>-<host>-pipeline.md
# with the machine it ran on, then the Compute API under wrk (run-http.sh).
# Extra arguments go to the pipeline bench unchanged.
set -euo pipefail
bin=${1:?usage: run-pipeline.sh path/to/vmforge-bench-pipeline [args...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/results"
out="$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)-pipeline.md"

args=(--hosts 100,1000 --builds 50000 --inflight-builds 0
      --scheduler-hosts 10,100,1000,10000 --decisions 20000
      --driver-builds 20000 "$@")
# Memory per in-flight build in a process of its own, for each host count.
mem_args=(--builds 0 --scheduler-hosts "" --inflight-builds 20000
          --driver-builds 0)
raw=$("$bin" "${args[@]}")
for hosts in 100 1000; do
  raw+=$'\n'$("$bin" --hosts "$hosts" "${mem_args[@]}")
done
echo "$raw"

. "$here/results-header.sh"
{
  results_header "vmforge pipeline benchmark"
  echo "- commands: vmforge-bench-pipeline ${args[*]}; then, per host count,"
  echo "  vmforge-bench-pipeline --hosts N ${mem_args[*]}"
  echo "- fake driver with zero latency; builds go through the whole pipeline"
  echo "  (API handler, store, conductor, scheduler, compute manager, driver worker),"
  echo "  at most 2,000 builds between submission and ACTIVE (closed loop)."
  echo "- driver=libvirt-test: 20,000 builds on 10 hosts of libvirt's in-process"
  echo "  test:///default hypervisor (volume, domain define, start, wait RUNNING);"
  echo "  baseline in the same run: the same builds with the fake driver."
  echo "- inflight: 20,000 builds held by a 600 s driver latency (running or queued"
  echo "  on their hosts), resident memory against the idle pipeline."
  echo "- baseline: echo_rtt_per_s is request/response round trips through one"
  echo "  trivial actor from the same client in the same run;"
  echo "  builds_per_echo_rtt is builds/s divided by it."
  echo
  echo '```'
  echo "$raw"
  echo '```'
} > "$out"
echo "wrote $out"
"$here/run-http.sh" "$(dirname "$bin")/vmforged" 10 \
  "$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)-http.md"
"$here/run-restart.sh" "$(dirname "$bin")/vmforged" 100000 \
  "$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)-restart.md"
"$here/run-libvirt.sh" "$(dirname "$bin")/vmforged"
