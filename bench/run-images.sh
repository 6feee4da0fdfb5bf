#!/usr/bin/env bash
# Images from a real Glance (docs/images.md), everything on 127.0.0.1:
#  1. `vmforge-bench burst N` of one image on one host, first with the
#     image not yet in the host's cache, then again with it cached, in the
#     same daemon: seconds to all ACTIVE and bytes downloaded
#     (vmforge_image_download_bytes_total) of each.
#  2. the create path's added cost of the image check through Glance:
#     p50/p99 of POST /servers (vmforge-bench boot-and-delete --count M)
#     with [glance] api_servers against the embedded [image:*] catalog
#     serving the same file, alternating the two `rounds` times (this VM
#     drifts; only alternating medians compare). Both caches are warm.
# Glance: a private Glance Zed (tests/integration/glance.py, noauth, file
# store, SQLite) in a temporary directory. vmforged: fake driver with zero
# latency, no database, quota unlimited. Stops only what it started, by PID.
# Usage: run-images.sh BIN_DIR [--quick] [out.md]
#   full: a 1 GiB raw image (random bytes), bursts of 100, 3 rounds of
#   1,000 cycles; --quick: 64 MiB, bursts of 20, 1 round of 200 (CI smoke).
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
root=$(cd "$here/.." && pwd)
if [ -n "$quick" ]; then
  image_mib=64 burst=20 rounds=1 cycles=200
else
  image_mib=1024 burst=100 rounds=3 cycles=1000
fi
work=$(mktemp -d)
lines=$work/lines
: >"$lines"
glance_pid="" daemon_pid=""
# stop PID SIGNAL: the signal, then SIGKILL if still running 45 s later
# (glance.py gives its glance-api 20 s).
stop() {
  local p=$1 _
  [ -n "$p" ] || return 0
  kill "-$2" "$p" 2>/dev/null || true
  for _ in $(seq 1 900); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$p" 2>/dev/null; then
    echo "stop_hung pid=$p: killed" | tee -a "$lines" >&2
    kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
}
cleanup() {
  stop "$daemon_pid" TERM
  # glance.py stops its glance-api (by PID) and removes its dir.
  stop "$glance_pid" TERM
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# log_value FILE SED: what SED prints from FILE, waited for up to 60 s.
log_value() {
  local v _
  for _ in $(seq 1 1200); do
    v=$(sed -n "$2" "$1" | head -1)
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.05
  done
  echo "nothing for $2 in $1:" >&2
  cat "$1" >&2
  return 1
}

/usr/bin/python3 "$root/tests/integration/glance.py" noauth >"$work/glance.out" 2>&1 &
glance_pid=$!
glance=$(log_value "$work/glance.out" 's/^glance-api on \(http:[^ ]*\) .*/\1/p')

# The image: random bytes (nothing compresses or dedups them), raw.
head -c "$((image_mib * 1024 * 1024))" /dev/urandom >"$work/image.raw"
image=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"name": "bench-image", "disk_format": "raw", "container_format": "bare", "visibility": "public"}' \
  "$glance/v2/images" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
upload_start=$(date +%s.%N)
curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
  -T "$work/image.raw" "$glance/v2/images/$image/file"
echo "upload image_mib=$image_mib seconds=$(awk -v a="$upload_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')" | tee -a "$lines"

# start NAME EXTRA: a vmforged in $work/NAME with one big host and EXTRA
# appended to its file; sets api, metrics and daemon_pid.
start() {
  stop "$daemon_pid" TERM
  mkdir -p "$work/$1"
  printf '[DEFAULT]\ninstances_path = %s\n[database]\nconnection =\n[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nstate_path =\n[host:compute-1]\nvcpus = 100000\nmemory_mb = 100000000\ndisk_gb = 1000000\n%b' \
    "$work/$1/instances" "$2" >"$work/$1.conf"
  : >"$work/$1.log"
  (cd "$work/$1" && exec "$bindir/vmforged" --port 0 --metrics-port 0 \
     --config "$work/$1.conf" 2>"$work/$1.log") &
  daemon_pid=$!
  api=http://127.0.0.1:$(log_value "$work/$1.log" 's/.*Compute API on http:\/\/[^:]*:\([0-9]*\).*/\1/p')/v2.1
  metrics=$(log_value "$work/$1.log" 's/.*metrics on \(http:\/\/[^ ]*\/metrics\).*/\1/p')
}

# downloaded: bytes the host downloaded so far.
downloaded() {
  curl -sf "$metrics" | awk '/^vmforge_image_download_bytes_total/ { s += $NF } END { printf "%.0f\n", s }'
}

# burst LABEL: one burst of the image; one line.
burst() {
  local before after
  before=$(downloaded)
  "$bindir/vmforge-bench" burst "$burst" --endpoint "$api" --image "$image" \
    --no-progress --json "$work/burst.json" >"$work/burst.out" 2>&1 \
    || { echo "vmforge-bench burst ($1): exit $?" >&2; cat "$work/burst.out" >&2; }
  after=$(downloaded)
  echo "burst cache=$1 builds=$burst $(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("all_active_s=%.3f errors=%d" % (d.get("all_active_s", 0), d["errors"]["total"]))' "$work/burst.json") bytes_downloaded=$((after - before))" \
    | tee -a "$lines"
}

start glance "[glance]\napi_servers = $glance\n"
burst cold
burst cached

# cycles BACKEND ROUND: create latency of boot-and-delete on a warm cache.
cycles() {
  "$bindir/vmforge-bench" boot-and-delete --count "$cycles" --concurrency 16 \
    --endpoint "$api" --image "$image" --no-progress --json "$work/cycles.json" \
    >"$work/cycles.out" 2>&1 \
    || { echo "vmforge-bench boot-and-delete ($1): exit $?" >&2; cat "$work/cycles.out" >&2; }
  echo "create backend=$1 round=$2 $(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["calls"]["POST /servers"]
print("p50_ms=%.3f p99_ms=%.3f errors=%d" % (c["p50_ms"], c["p99_ms"], d["errors"]["total"]))' "$work/cycles.json")" \
    | tee -a "$lines"
}
embedded="[image:$image]\nname = bench-image\nfile = $work/image.raw\ndisk_format = raw\n"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="embedded glance"; else order="glance embedded"; fi
  for backend in $order; do
    if [ "$backend" = glance ]; then
      start glance "[glance]\napi_servers = $glance\n"
    else
      start embedded "$embedded"
    fi
    "$bindir/vmforge-bench" burst 1 --endpoint "$api" --image "$image" --no-progress >/dev/null 2>&1 || true
    cycles "$backend" "$round"
  done
done
stop "$daemon_pid" TERM
daemon_pid=""

median() { # sed expression selecting one number per line of $lines
  sed -n "$1" "$lines" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
cold=$(sed -n 's/^burst cache=cold .*all_active_s=\([0-9.]*\).*/\1/p' "$lines")
cached=$(sed -n 's/^burst cache=cached .*all_active_s=\([0-9.]*\).*/\1/p' "$lines")
g50=$(median 's/^create backend=glance .*p50_ms=\([0-9.]*\).*/\1/p')
e50=$(median 's/^create backend=embedded .*p50_ms=\([0-9.]*\).*/\1/p')
g99=$(median 's/^create backend=glance .*p99_ms=\([0-9.]*\).*/\1/p')
e99=$(median 's/^create backend=embedded .*p99_ms=\([0-9.]*\).*/\1/p')
ratio() { /usr/bin/python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print("%.2f" % (a / b) if b else "n/a")' "$1" "$2"; }
{
  . "$here/results-header.sh"
  results_header "vmforge images: Glance and the image cache"
  echo
  echo "| figure | value |"
  echo "|---|---|"
  echo "| burst of $burst, image ${image_mib} MiB not cached: all ACTIVE (s) | $cold |"
  echo "| same burst, image cached (s) | $cached |"
  echo "| cold / cached | $(ratio "$cold" "$cached") |"
  echo "| POST /servers p50 ms, Glance / embedded (medians of $rounds) | $g50 / $e50 = $(ratio "$g50" "$e50") |"
  echo "| POST /servers p99 ms, Glance / embedded | $g99 / $e99 = $(ratio "$g99" "$e99") |"
  echo
  echo "Raw lines:"
  echo
  echo '```'
  cat "$lines"
  echo '```'
} | if [ -n "$out" ]; then tee "$out"; else cat; fi
# The smoke's own checks: one download of the whole image, none cached.
grep -q "^burst cache=cold .* errors=0 bytes_downloaded=$((image_mib * 1024 * 1024))$" "$lines" \
  || { echo "cold burst: errors, or not exactly one download of the image" >&2; exit 1; }
grep -q "^burst cache=cached .* errors=0 bytes_downloaded=0$" "$lines" \
  || { echo "cached burst: errors, or it downloaded again" >&2; exit 1; }
