#!/usr/bin/env bash
# make bench's Compute API suite (bench/run-bench.sh) at its smallest: 1 s
# per scenario, bursts of 100. Every run's results are well formed, the
# markdown has the targets and one row per driver and scenario, and the
# plots it shows exist.
# Usage: compute_bench_suite_smoke.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/../../bench/run-bench.sh" "$1" 1 100 "$out/r.md" >/dev/null 2>"$out/log" \
  || { cat "$out/log"; exit 1; }
if grep "exit" "$out/log"; then exit 1; fi
for driver in fake-0 fake-1s libvirt-test; do
  for scenario in versions boot-and-delete burst steady read-mix; do
    plots=("$out/r-$driver-$scenario")
    [ $scenario = versions ] && plots=()
    /usr/bin/python3 "$here/check_bench_results.py" "$out/r-$driver-$scenario.json" "${plots[@]}"
    grep -q "^| $driver | $scenario | [0-9.]* | [0-9]* |" "$out/r.md" \
      || { echo "no row for $driver $scenario"; exit 1; }
  done
done
grep -q "^| boot-and-delete >= 1,000 cycles/s | [0-9]* cycles/s | GET / [0-9]* req/s |" "$out/r.md" \
  || { echo "no targets table"; cat "$out/r.md"; exit 1; }
for png in $(grep -o '(r-[^)]*\.png)' "$out/r.md" | tr -d '()'); do
  [ -s "$out/$png" ] || { echo "plot missing: $png"; exit 1; }
done
echo "1 passed, 0 failed"
