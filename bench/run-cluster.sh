#!/usr/bin/env bash
# Compute hosts in processes of their own (docs/cluster.md) against
# all-in-one, everything on 127.0.0.1; docs/scaling.md reads the figures.
#  1. builds/s of `vmforge-bench burst N` through the Compute API with 1, 2
#     and 3 `vmforged --role compute` processes joined to a controller,
#     against an all-in-one vmforged with as many hosts (the baseline),
#     alternating the two (their order too) `rounds` times: this VM drifts
#     by a third within minutes, so only the medians of alternating runs
#     compare. Fake driver with zero latency, then with 100 ms (bursts a
#     fifth as large, polled every 50 ms).
#  2. round trips to a compute manager over BASP against in process, in
#     one run (vmforge-bench-cluster-rtt).
#  3. the controller's idle CPU (utime + stime over `idle` s) and RSS with
#     0, 1, 5, 10 and 20 computes joined, and the increment per host.
# Every daemon: no [database] connection (in memory: the cluster path, not
# SQLite's fsync, is measured), quota unlimited, fake hypervisor in memory,
# [DEFAULT] report_interval and [cluster] heartbeats at their defaults
# (10 s; 2 s and 6 s). Stops only the processes it started, by PID.
# Usage: run-cluster.sh BIN_DIR [--quick] [out.md]
#   --quick: one round of bursts of 100 on 1 and 2 hosts, idle with 0, 1
#   and 2 hosts for 2 s, 2,000 round trips (CI: about 30 s).
set -euo pipefail
bindir=$(readlink -f "$1")
shift
quick=""
if [ "${1:-}" = --quick ]; then
  quick=1
  shift
fi
out=${1:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "$quick" ]; then
  burst=100 rounds=1 host_counts="1 2" latencies="0"
  idle_counts="0 1 2" idle=2 settle=1 rtt_requests=2000
else
  burst=3000 rounds=5 host_counts="1 2 3" latencies="0 100"
  idle_counts="0 1 5 10 20" idle=30 settle=3 rtt_requests=20000
fi
work=$(mktemp -d)
lines=$work/lines
: >"$lines"
procs=() # PIDs of the daemons running now, all started here
declare -A names # their names, by PID
# stop PID...: SIGTERM, then SIGKILL for any still running 15 s later,
# named on stderr and in the results, so that the bench stays bounded and
# a hang is on record.
stop() {
  local p="" i done
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 1 300); do
    done=1
    for p in "$@"; do
      kill -0 "$p" 2>/dev/null && done=""
    done
    [ -n "$done" ] && break
    sleep 0.05
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "stop_hung name=${names[$p]} pid=$p: still running after SIGTERM, killed" | tee -a "$lines" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}
# The computes first, then the controller (or the all-in-one), as an
# operator would.
stop_all() {
  [ ${#procs[@]} -gt 0 ] || return 0
  stop "${procs[@]:1}"
  stop "${procs[0]}"
  procs=()
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM # through the EXIT trap: nothing left running

# launch NAME ARGS...: vmforged ARGS in $work/NAME (a ./var of its own),
# its log in $work/NAME.log; sets last_pid.
launch() {
  local name=$1
  shift
  mkdir -p "$work/$name"
  : >"$work/$name.log" # emptied before the log is read, not by the daemon
  (cd "$work/$name" && exec "$bindir/vmforged" "$@" 2>"$work/$name.log") &
  last_pid=$!
  procs+=("$last_pid")
  names[$last_pid]=$name
}

# log_value NAME SED: what SED prints from NAME's log, waited for up to 10 s.
log_value() {
  local v _
  for _ in $(seq 1 200); do
    v=$(sed -n "$2" "$work/$1.log" | head -1)
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.05
  done
  echo "nothing for $2 in the log of $1:" >&2
  cat "$work/$1.log" >&2
  return 1
}
api_port='s/.*Compute API on http:\/\/[^:]*:\([0-9]*\).*/\1/p'
join_port='s/.*compute hosts join on [^,]*:\([0-9]*\),.*/\1/p'

# wait_up N: until os-services shows N nova-compute services up (20 s).
wait_up() {
  local _
  for _ in $(seq 1 400); do
    [ "$(curl -s -H 'X-Auth-Token: admin:admin' \
      "$api/os-services?binary=nova-compute" | grep -o '"state": *"up"' \
      | wc -l)" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "fewer than $1 compute services up" >&2
  return 1
}

# config LATENCY_MS HOSTS: the configuration file every daemon of a run
# reads, with a [host:compute-I] section per host (all-in-one builds those,
# compute-I reads its own) and capacity for every burst.
config() {
  local f=$work/latency-$1-hosts-$2.conf h
  printf '[database]\nconnection =\n[cluster]\nport = 0\n[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nstate_path =\nlatency_min_ms = %s\nlatency_max_ms = %s\n' \
    "$1" "$1" >"$f"
  for h in $(seq 1 "$2"); do
    printf '[host:compute-%s]\nvcpus = 100000\nmemory_mb = 100000000\ndisk_gb = 1000000\n' "$h"
  done >>"$f"
  echo "$f"
}

# start SETUP HOSTS CONF: all-in-one with HOSTS hosts, or a controller and
# HOSTS compute processes; sets api (the Compute API's base URL) and, for
# a controller, ctl_pid and cluster_port.
start() {
  stop_all
  if [ "$1" = all-in-one ]; then
    launch aio --port 0 --metrics-port 0 --config "$3"
    api=http://127.0.0.1:$(log_value aio "$api_port")/v2.1
  else
    launch controller --role controller --port 0 --metrics-port 0 --config "$3"
    ctl_pid=$last_pid
    api=http://127.0.0.1:$(log_value controller "$api_port")/v2.1
    cluster_port=$(log_value controller "$join_port")
    local h
    for h in $(seq 1 "$2"); do join "$h" "$3"; done
  fi
  wait_up "$2"
}

# join I CONF: compute process compute-I, joining the running controller.
join() {
  launch "compute-$1" --role compute --host "compute-$1" \
    --controller "127.0.0.1:$cluster_port" --config "$2" --metrics-port 0
}

# burst LATENCY SETUP HOSTS ROUND: one vmforge-bench burst, one line.
run_burst() {
  local n=$burst poll=10
  [ "$1" = 0 ] || { n=$((burst / 5)); poll=50; }
  start "$2" "$3" "$(config "$1" "$3")"
  "$bindir/vmforge-bench" burst "$n" --endpoint "$api" --poll-interval "$poll" \
    --no-progress --json "$work/burst.json" >"$work/burst.out" 2>&1 \
    || { echo "vmforge-bench burst on $2 ($3 hosts): exit $?" >&2; cat "$work/burst.out" >&2; }
  echo "burst latency_ms=$1 hosts=$3 setup=$2 round=$4 builds=$n $(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("builds_per_s=%.0f all_active_s=%.3f errors=%d" % (d["builds_per_s"], d["all_active_s"], d["errors"]["total"]))' "$work/burst.json")" \
    | tee -a "$lines"
}

median() { # sed expression selecting one number per line of $lines
  sed -n "$1" "$lines" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

for latency in $latencies; do
  for round in $(seq 1 "$rounds"); do
    for hosts in $host_counts; do
      if [ $((round % 2)) = 1 ]; then
        order="all-in-one cluster"
      else
        order="cluster all-in-one"
      fi
      for setup in $order; do run_burst "$latency" "$setup" "$hosts" "$round"; done
    done
  done
done
stop_all

"$bindir/vmforge-bench-cluster-rtt" --requests "$rtt_requests" | tee -a "$lines"

# Idle: one controller, computes joined a few at a time.
tck=$(getconf CLK_TCK)
conf=$(config 0 "$(set -- $idle_counts; eval echo "\${$#}")")
start cluster 0 "$conf"
joined=0
for n in $idle_counts; do
  while [ "$joined" -lt "$n" ]; do
    joined=$((joined + 1))
    join "$joined" "$conf"
  done
  wait_up "$n"
  sleep "$settle" # past the joins' own work
  t0=$(awk '{ print $14 + $15 }' "/proc/$ctl_pid/stat")
  sleep "$idle"
  t1=$(awk '{ print $14 + $15 }' "/proc/$ctl_pid/stat")
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ctl_pid/status")
  # What a compute process itself holds, for comparison.
  compute_rss=$(for p in "${procs[@]}"; do
    [ "$p" = "$ctl_pid" ] || awk '/^VmRSS:/ { print $2 }' "/proc/$p/status"
  done | awk '{ s += $1 } END { printf "%.0f", NR ? s / NR : 0 }')
  echo "idle hosts=$n seconds=$idle cpu_ticks=$((t1 - t0)) cpu_pct=$(awk -v t=$((t1 - t0)) -v hz="$tck" -v s="$idle" 'BEGIN { printf "%.3f", 100 * t / hz / s }') rss_kib=$rss compute_rss_kib_mean=$compute_rss" \
    | tee -a "$lines"
done
stop_all

summary() {
  local latency hosts a b
  for latency in $latencies; do
    for hosts in $host_counts; do
      a=$(median "s/^burst latency_ms=$latency hosts=$hosts setup=all-in-one .* builds_per_s=\([0-9.]*\).*/\1/p")
      b=$(median "s/^burst latency_ms=$latency hosts=$hosts setup=cluster .* builds_per_s=\([0-9.]*\).*/\1/p")
      echo "median burst latency_ms=$latency hosts=$hosts all_in_one_builds_per_s=$a cluster_builds_per_s=$b cluster/all_in_one=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
    done
  done
  local first last
  first=$(set -- $idle_counts; echo "$1")
  last=$(set -- $idle_counts; eval echo "\${$#}")
  awk -v first="$first" -v last="$last" -v hz="$tck" -v s="$idle" '
    /^idle / {
      split($2, h, "="); split($4, t, "="); split($6, r, "=")
      ticks[h[2]] = t[2]; rss[h[2]] = r[2]
    }
    END {
      n = last - first
      printf "idle_per_host hosts=%d..%d cpu_pct_per_host=%.4f rss_kib_per_host=%.0f\n",
        first, last, 100 * (ticks[last] - ticks[first]) / hz / s / n,
        (rss[last] - rss[first]) / n
    }' "$lines"
}
summary | tee -a "$lines"

if [ -n "$out" ]; then
  . "$here/results-header.sh"
  mkdir -p "$(dirname "$out")"
  {
    results_header "Compute hosts in processes of their own (bench/run-cluster.sh${quick:+ --quick})"
    echo "- every daemon on 127.0.0.1: no database (in memory), quota unlimited, fake driver (state in memory), report_interval 10 s, heartbeats 2 s / timeout 6 s"
    echo "- bursts: vmforge-bench burst $burst (a fifth with 100 ms latency, polled every 50 ms), 64 connections, $rounds alternating rounds"
    echo "- baselines: all-in-one with as many hosts (bursts), the same compute manager in process (round trips), the controller with no host joined (idle)"
    echo
    echo '```'
    cat "$lines"
    echo '```'
  } >"$out"
fi
