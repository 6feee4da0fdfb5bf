#!/usr/bin/env bash
# How long a scrape of /metrics takes with many compute hosts (each has ten
# gauges), against the Compute API's version document (GET /: the HTTP
# floor) fetched by the same client from the same daemon, alternately.
# Usage: run-metrics.sh path/to/vmforged [hosts, default 1000]
#        [scrapes, default 200] [out.md]
set -euo pipefail
bin=$(readlink -f "$1")
hosts=${2:-1000}
n=${3:-200}
out=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/daemon.sh"
lines=$(mktemp)
trap 'stop_vmforged; rm -rf "$VMFORGED_LOG" "$VMFORGED_DIR" "$lines"' EXIT
VMFORGED_DIR=$(mktemp -d)
printf '[database]\nconnection =\n[fake_driver]\nstate_path =\n[quota]\ninstances = -1\ncores = -1\nram = -1\n' \
  >"$VMFORGED_DIR/bench.conf"
start_vmforged "$bin" --config bench.conf --hosts "$hosts" >&2
api=http://127.0.0.1:$VMFORGED_PORT
metrics=http://127.0.0.1:$VMFORGED_METRICS_PORT/metrics
# Some builds first, so that histograms and per-host usage have values.
for i in $(seq 1 200); do
  curl -sf -o /dev/null -X POST -H "X-Auth-Token: bench:bench" \
    -H "Content-Type: application/json" \
    -d '{"server": {"name": "m", "flavorRef": "1", "imageRef": "8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f"}}' \
    "$api/v2.1/servers"
done
sleep 1
for i in $(seq 1 "$n"); do
  echo "metrics $(curl -sf -o /dev/null -w '%{time_total} %{size_download}' "$metrics")" >>"$lines"
  echo "versions $(curl -sf -o /dev/null -w '%{time_total} %{size_download}' "$api/")" >>"$lines"
done
stat() { # name column(2=time, 3=bytes) quantile
  grep "^$1 " "$lines" | cut -d' ' -f"$2" | sort -g \
    | awk -v q="$3" '{ v[NR] = $1 } END { i = int(NR * q + 0.5); if (i < 1) i = 1; print v[i] }'
}
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }
series=$(curl -sf "$metrics" | grep -vc '^#')
summary="hosts=$hosts scrapes=$n series=$series bytes=$(stat metrics 3 0.5)
metrics_p50_ms=$(ms "$(stat metrics 2 0.5)") metrics_p90_ms=$(ms "$(stat metrics 2 0.9)") metrics_max_ms=$(ms "$(stat metrics 2 1)")
versions_p50_ms=$(ms "$(stat versions 2 0.5)") versions_p90_ms=$(ms "$(stat versions 2 0.9)")
vmforged RSS $(ps -o rss= -p "$VMFORGED_PID") KiB"
echo "$summary"
if [ -n "$out" ]; then
  . "$here/results-header.sh"
  {
    results_header "vmforge /metrics scrape time"
    echo "- vmforged --hosts $hosts, fake driver, no database, 200 servers created first"
    echo "- curl, one connection per GET, alternating /metrics and / (the API's version document: the HTTP floor)"
    echo
    echo '```'
    echo "$summary"
    echo '```'
  } >"$out"
  echo "wrote $out"
fi
