#!/usr/bin/env bash
# A daemon holding many stored instances (make bench): creates N servers
# (default 100,000; m1.tiny, multi-create requests of 100) on 100 fake
# hosts with the SQLite store, waits until they are ACTIVE, stops vmforged
# and starts it again on the same database. Reports the RSS with N
# instances before and after the restart, the restart time (migrate, load,
# reconcile with the hypervisors, ready), and the database size.
# Baseline, same run: the RSS of the same daemon with no instances.
# Usage: run-restart.sh path/to/vmforged [N] [out.md]
set -euo pipefail
bin=$(readlink -f "$1")
n=${2:-100000}
out=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/daemon.sh"
VMFORGED_DIR=$(mktemp -d)
trap 'stop_vmforged; rm -rf "$VMFORGED_LOG" "$VMFORGED_DIR"' EXIT
# The fake hypervisor keeps its domains in files, so the restart finds them.
printf '[fake_driver]\nstate_path = var/fake-hypervisor\n[quota]\ninstances = -1\ncores = -1\nram = -1\n' \
  >"$VMFORGED_DIR/bench.conf"
rss() { ps -o rss= -p "$VMFORGED_PID" | tr -d ' '; }
since() { awk -v now="$(date +%s.%N)" -v t0="$1" 'BEGIN { printf "%.1f", now - t0 }'; }
start_vmforged "$bin" --config bench.conf --hosts 100
url=http://127.0.0.1:$VMFORGED_PORT/v2.1
empty_rss=$(rss)
body='{"server": {"name": "stored", "flavorRef": "1", "min_count": 100, "max_count": 100, "imageRef": "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f", "return_reservation_id": true}}'
t0=$(date +%s.%N)
for _ in $(seq 1 $((n / 100))); do
  printf 'url = "%s/servers"\n' "$url"
done >"$VMFORGED_DIR/curl.cfg"
curl -sf --no-progress-meter --parallel --parallel-max 16 -K "$VMFORGED_DIR/curl.cfg" -X POST \
  -H "X-Auth-Token: bench:bench" -H "Content-Type: application/json" -d "$body" >/dev/null
active() {
  curl -sf -H "X-Auth-Token: admin:admin" "$url/os-hypervisors/statistics" \
    | sed -n 's/.*"running_vms": *\([0-9]*\).*/\1/p'
}
until [ "$(active)" -ge "$n" ]; do sleep 0.5; done
created_s=$(since "$t0")
full_rss=$(rss)
stop_vmforged
t0=$(date +%s.%N)
start_vmforged "$bin" --config bench.conf --hosts 100
restart_s=$(since "$t0")
url=http://127.0.0.1:$VMFORGED_PORT/v2.1
[ "$(active)" -eq "$n" ] || { echo "after the restart $(active) of $n are on hypervisors"; exit 1; }
after_rss=$(rss)
db_kib=$(du -k "$VMFORGED_DIR/var/vmforge.db"* | awk '{ s += $1 } END { print s }')
line="restart instances=$n created_in_s=$created_s rss_empty_kib=$empty_rss rss_full_kib=$full_rss rss_after_restart_kib=$after_rss restart_s=$restart_s db_kib=$db_kib rss_per_instance_b=$(( (after_rss - empty_rss) * 1024 / n ))"
echo "$line"
grep "recovery" "$VMFORGED_LOG" | tail -1
if [ -n "$out" ]; then
  . "$here/results-header.sh"
  {
    results_header "vmforged with $n stored instances"
    echo "- 100 fake hosts, fake hypervisor domains in files, SQLite store"
    echo "- baseline: RSS of the same daemon before any instance exists"
    echo
    echo '```'
    echo "$line"
    echo '```'
  } >"$out"
  echo "wrote $out"
fi
