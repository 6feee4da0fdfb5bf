#!/usr/bin/env bash
# Throughput of two vmforged builds (e.g. before and after a change),
# alternating A, B, A, B... `rounds` times, and the medians: this VM's
# speed drifts by a third within minutes, so only alternating runs
# compare. `what` is create (POST /servers under wrk), get (GET
# /servers/{id} of one server under wrk) or pipeline (builds/s of the
# vmforge-bench-pipeline next to each vmforged, in process, 100 hosts).
# Usage:
#   run-create-ab.sh A/vmforged B/vmforged [seconds, 5] [rounds, 5]
#                    [connections, 64] [database: memory|sqlite, memory]
#                    [what: create|get|pipeline, create]
set -euo pipefail
bin_a=$(readlink -f "$1")
bin_b=$(readlink -f "$2")
secs=${3:-5}
rounds=${4:-5}
conns=${5:-64}
mode=${6:-memory}
what=${7:-create}
here=$(cd "$(dirname "$0")" && pwd)
lines=$(mktemp)
pid=""
dir=""
stop() {
  [ -n "$pid" ] && { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  pid=""
  [ -n "$dir" ] && rm -rf "$dir"
  dir=""
}
trap 'stop; rm -f "$lines"' EXIT
conn=""
[ "$mode" = sqlite ] && conn="sqlite:///var/vmforge.db"
one() { # label binary
  stop
  dir=$(mktemp -d)
  printf '[database]\nconnection = %s\n[fake_driver]\nstate_path =\n' "$conn" >"$dir/bench.conf"
  # A build from before the metrics has no --metrics-port (and no port);
  # the usage lists the flags.
  local extra=()
  if { "$2" --help 2>/dev/null || true; } | grep -q -- --metrics-port; then
    extra=(--metrics-port 0)
  fi
  (cd "$dir" && exec "$2" --port 0 "${extra[@]}" --config bench.conf --hosts 100 2>"$dir/log") &
  pid=$!
  local port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*Compute API on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$dir/log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$dir/log" >&2; exit 1; }
  local url=http://127.0.0.1:$port/v2.1
  curl -sf -X PUT -H "X-Auth-Token: admin:admin" -H "Content-Type: application/json" \
    -d '{"quota_set": {"instances": -1, "cores": -1, "ram": -1}}' \
    "$url/os-quota-sets/bench" >/dev/null
  if [ "$what" = get ]; then
    local id
    id=$(curl -sf -X POST -H "X-Auth-Token: bench:bench" \
      -H "Content-Type: application/json" \
      -d '{"server": {"name": "probe", "flavorRef": "1", "imageRef": "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"}}' \
      "$url/servers" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
    echo "$1 $(wrk -t2 -c"$conns" -d"${secs}"s --latency \
      -s "$here/wrk/compute.lua" "$url/servers/$id" | grep wrk_result)" >>"$lines"
  else
    echo "$1 $(WRK_CREATE=1 wrk -t2 -c"$conns" -d"${secs}"s --latency \
      -s "$here/wrk/compute.lua" "$url/servers" | grep wrk_result)" >>"$lines"
  fi
}
# The in-process pipeline: rps is builds/s, p99_ms a build's.
one_pipeline() { # label vmforged
  echo "$1 $("$(dirname "$2")/vmforge-bench-pipeline" --hosts 100 \
    --builds 20000 --inflight-builds 0 --scheduler-hosts "" \
    --driver-builds 0 | grep '^pipeline ' \
    | sed 's/builds_per_s=/rps=/')" >>"$lines"
}
run=one
[ "$what" = pipeline ] && run=one_pipeline
for _ in $(seq 1 "$rounds"); do
  $run A "$bin_a"
  $run B "$bin_b"
done
stop
median() { # label field
  grep "^$1 " "$lines" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p" | sort -g \
    | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
cat "$lines"
a=$(median A rps)
b=$(median B rps)
echo "median $what[$mode] connections=$conns A_rps=$a B_rps=$b" \
  "A_p99_ms=$(median A p99_ms) B_p99_ms=$(median B p99_ms)" \
  "B/A=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
