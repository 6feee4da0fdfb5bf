#!/usr/bin/env bash
# bench/run-cluster.sh --quick: every figure has its line with numbers,
# the bursts had no errors, and the results file holds them.
# Usage: cluster_bench_smoke.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/../../bench/run-cluster.sh" "$1" --quick "$out/r.md" >"$out/lines" 2>"$out/log" \
  || { cat "$out/lines" "$out/log"; exit 1; }
cat "$out/lines"
n='[0-9]+(\.[0-9]+)?'
expect() {
  grep -Eq "$1" "$out/lines" || { echo "no line matching: $1"; cat "$out/log"; exit 1; }
}
for hosts in 1 2; do
  expect "^median burst latency_ms=0 hosts=$hosts all_in_one_builds_per_s=$n cluster_builds_per_s=$n cluster/all_in_one=$n$"
done
expect "^rtt requests=2000 in_process_p50_us=$n in_process_p99_us=$n in_process_mean_us=$n basp_p50_us=$n basp_p99_us=$n basp_mean_us=$n p50_ratio=$n p99_ratio=$n$"
for hosts in 0 1 2; do
  expect "^idle hosts=$hosts seconds=2 cpu_ticks=[0-9]+ cpu_pct=$n rss_kib=[0-9]+ compute_rss_kib_mean=[0-9]+$"
done
expect "^idle_per_host hosts=0\.\.2 cpu_pct_per_host=-?$n rss_kib_per_host=-?[0-9]+$"
if grep '^burst ' "$out/lines" | grep -v ' errors=0$'; then
  echo "a burst had errors"; exit 1
fi
grep -q '^rtt requests=2000 ' "$out/r.md" || { echo "results file without the figures"; exit 1; }
echo "1 passed, 0 failed"
