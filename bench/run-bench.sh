#!/usr/bin/env bash
# The Compute API suite of make bench: vmforge-bench's scenarios against a
# vmforged started here (loopback only, SQLite store as make run has it)
# for each driver: the fake one with zero latency, the fake one with a 1 s
# spawn latency, and libvirt's in-process test:///default hypervisor.
# Baseline in the same run, per daemon: the same tool's GET / (the version
# document), the HTTP floor.
# Usage: run-bench.sh BIN_DIR [seconds per scenario, default 10]
#        [burst size, default 10000] [out.md]
# Writes out.md (the tables) with its PNGs and JSON next to it
# (OUT-DRIVER-SCENARIO-{latency,timeline}.png, .json).
set -euo pipefail
bindir=$(readlink -f "$1")
secs=${2:-10}
burst=${3:-10000}
out=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/daemon.sh"
work=$(mktemp -d)
trap 'stop_vmforged; rm -rf "${VMFORGED_LOG:-}" "${VMFORGED_DIR:-}" "$work"' EXIT

# start_driver NAME: a fresh daemon (its own directory and database).
start_driver() {
  stop_vmforged
  rm -rf "${VMFORGED_DIR:-}"
  VMFORGED_DIR=$(mktemp -d)
  local hosts=(--hosts 100)
  printf '[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nstate_path =\n' \
    >"$VMFORGED_DIR/bench.conf"
  case $1 in
    fake-1s)
      printf 'latency_min_ms = 1000\nlatency_max_ms = 1000\n' >>"$VMFORGED_DIR/bench.conf" ;;
    libvirt-test)
      # 10 hosts on the one test hypervisor, which is small: capacity
      # given. The image's file is the blank qcow2 disk the embedded
      # catalog makes of a missing one.
      hosts=()
      printf '[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n' >>"$VMFORGED_DIR/bench.conf"
      for h in $(seq 1 10); do
        printf '[host:compute-%s]\nvcpus = 100000\nmemory_mb = 100000000\ndisk_gb = 1000000\n' "$h"
      done >>"$VMFORGED_DIR/bench.conf" ;;
  esac
  start_vmforged "$bindir/vmforged" --config bench.conf "${hosts[@]}"
}

# run DRIVER SCENARIO [ARGS...]: one vmforge-bench run; its JSON (and
# PNGs, except for the baseline) in $work as DRIVER-SCENARIO.*.
run() {
  local driver=$1 scenario=$2
  shift 2
  local plots=()
  [ "$scenario" = versions ] || plots=(--plots "$work/$driver-$scenario")
  echo "== $driver: vmforge-bench $scenario $*" >&2
  "$bindir/vmforge-bench" "$scenario" "$@" --duration "$secs" \
    --endpoint "http://127.0.0.1:$VMFORGED_PORT/v2.1" \
    --json "$work/$driver-$scenario.json" "${plots[@]}" >&2 \
    || echo "vmforge-bench $scenario on $driver: exit $?" >&2
}

for driver in fake-0 fake-1s libvirt-test; do
  start_driver $driver >&2
  # Polls every 10 ms; every 50 ms when builds take a second, so that the
  # polls of the servers building do not become the load.
  poll=10 rate=1000 size=$burst
  [ $driver = fake-1s ] && poll=50 rate=200 size=$((burst / 5))
  run $driver versions --connections 64 --concurrency 64
  run $driver boot-and-delete --connections 64 --concurrency 64 --poll-interval $poll
  run $driver burst $size --connections 64 --poll-interval $poll
  run $driver steady $rate --connections 64 --poll-interval $poll
  run $driver read-mix --connections 64 --concurrency 32 --poll-interval $poll
done
stop_vmforged

table=$(/usr/bin/python3 "$here/results_table.py" "$work" fake-0 fake-1s libvirt-test)
echo "$table"
if [ -n "$out" ]; then
  name=$(basename "$out" .md)
  dir=$(dirname "$out")
  mkdir -p "$dir"
  for f in "$work"/*.png "$work"/*.json; do
    [ -e "$f" ] && cp "$f" "$dir/$name-$(basename "$f")"
  done
  . "$here/results-header.sh"
  {
    results_header "vmforge Compute API under vmforge-bench"
    echo "- vmforge-bench (one client thread) shares the cores with the daemon"
    echo "- vmforged: SQLite store; fake-0: fake driver, zero latency, --hosts 100;"
    echo "  fake-1s: fake driver, 1 s spawn latency, --hosts 100;"
    echo "  libvirt-test: libvirt.LibvirtDriver on test:///default, 10 hosts"
    echo "- ${secs} s per scenario; 64 connections; burst $burst (fake-1s: $((burst / 5)));"
    echo "  steady 1,000 cycles/s (fake-1s: 200); read-mix: 32 readers and 32 cycles"
    echo "- baseline, same daemon, same run: GET / (the version document), the HTTP floor"
    echo
    echo "$table" | sed "s|(PLOTS)|$name|g"
  } >"$out"
  echo "wrote $out"
fi
