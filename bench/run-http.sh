#!/usr/bin/env bash
# The Compute API under load (make bench): wrk against a vmforged started
# here (fake driver, zero latency, loopback only), bounded in time.
# Usage: run-http.sh path/to/vmforged [seconds per run, default 10] [out.md]
#        [rounds, default 3]
# Baselines, same run: GET / (the version document) is the HTTP server's
# floor: parsing, routing and writing, without an actor round trip; and
# every line runs twice, with the SQLite store ([database] connection as
# make run has it) and with no database (rows in memory only), so the cost
# of persistence is the ratio of the two. The fake hypervisor keeps its
# domains in memory in both.
set -euo pipefail
bin=$(readlink -f "$1")
secs=${2:-10}
out=${3:-}
rounds=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/daemon.sh"
lines=$(mktemp)
trap 'stop_vmforged; rm -rf "$VMFORGED_LOG" "$VMFORGED_DIR" "$lines"' EXIT

start_mode() { # memory | sqlite
  stop_vmforged
  rm -rf "${VMFORGED_DIR:-}"
  VMFORGED_DIR=$(mktemp -d)
  local conn=""
  [ "$1" = sqlite ] && conn="sqlite:///var/vmforge.db"
  printf '[database]\nconnection = %s\n[fake_driver]\nstate_path =\n' "$conn" >"$VMFORGED_DIR/bench.conf"
  start_vmforged "$bin" --config bench.conf --hosts 100
  port=$VMFORGED_PORT
  url=http://127.0.0.1:$port/v2.1
  setup_project
}
setup_project() {
# An unlimited quota for the bench project, set the way an operator would.
curl -sf -X PUT -H "X-Auth-Token: admin:admin" -H "Content-Type: application/json" \
  -d '{"quota_set": {"instances": -1, "cores": -1, "ram": -1}}' \
  "$url/os-quota-sets/bench" > /dev/null
id=$(curl -sf -X POST -H "X-Auth-Token: bench:bench" -H "Content-Type: application/json" \
  -d '{"server": {"name": "probe", "flavorRef": "1", "imageRef": "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"}}' \
  "$url/servers" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
}
run() { # name connections create(0|1) url
  echo "$1 connections=$2 $(WRK_CREATE=$3 wrk -t2 -c"$2" -d"${secs}"s --latency \
    -s "$here/wrk/compute.lua" "$4" | grep wrk_result)"
}
# The daemons are started by this shell (not a subshell), so the trap
# stops the last one. The two modes alternate, `rounds` times, and the
# summary takes medians: this VM's speed drifts by a third within minutes.
for round in $(seq 1 "$rounds"); do
  for mode in memory sqlite; do
    start_mode $mode >&2
    if [ $mode = memory ]; then run versions 64 0 "http://127.0.0.1:$port/" >>"$lines"; fi
    for c in 64 512; do run "create[$mode]" "$c" 1 "$url/servers" >>"$lines"; done
    run "show[$mode]" 64 0 "$url/servers/$id" >>"$lines"
  done
done
median() { # line prefix, field
  grep "^$1 " "$lines" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p" | sort -n \
    | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
{
  for c in 64 512; do
    m=$(median "create\[memory\] connections=$c" rps)
    q=$(median "create\[sqlite\] connections=$c" rps)
    echo "median create connections=$c memory_rps=$m sqlite_rps=$q" \
      "memory_p99_ms=$(median "create\[memory\] connections=$c" p99_ms)" \
      "sqlite_p99_ms=$(median "create\[sqlite\] connections=$c" p99_ms)" \
      "sqlite/memory=$(awk -v a="$q" -v b="$m" 'BEGIN { printf "%.2f", a / b }')"
  done
} >>"$lines"
echo "store: $(du -k "$VMFORGED_DIR/var" | tail -1 | cut -f1) KiB in var/ for" \
  "$(curl -sf -H "X-Auth-Token: admin:admin" "$url/os-hypervisors/statistics" \
     | sed -n 's/.*"running_vms": *\([0-9]*\).*/\1/p') instances," \
  "vmforged RSS $(ps -o rss= -p "$VMFORGED_PID") KiB" >>"$lines"
raw=$(cat "$lines")
echo "$raw"
if [ -n "$out" ]; then
  . "$here/results-header.sh"
  {
    results_header "vmforge Compute API under wrk"
    echo "- wrk shares the cores with the daemon"
    echo "- vmforged --hosts 100, fake driver with zero latency; wrk -t2, ${secs} s per line"
    echo "- [memory]: no [database] connection; [sqlite]: WAL, synchronous=FULL, group commit"
    echo "- create: POST /v2.1/servers (202 when accepted); show: GET /v2.1/servers/{id};"
    echo "  versions: GET / (baseline: the HTTP floor, no actor round trip)"
    echo
    echo '```'
    echo "$raw"
    echo '```'
  } > "$out"
  echo "wrote $out"
fi
