#!/usr/bin/env bash
# A seconds-long run of one vmforge-bench scenario against a vmforged
# started here (fake driver, zero latency): it completes without errors and
# its report is well formed (check_bench_results.py).
# Usage: compute_bench_smoke.sh VMFORGED VMFORGE_BENCH SCENARIO [ARGS...]
set -euo pipefail
vmforged=$1 bench=$(readlink -f "$2")
shift 2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/daemon.sh"
VMFORGED_DIR=$(mktemp -d)
trap 'stop_vmforged; rm -rf "$VMFORGED_LOG" "$VMFORGED_DIR"' EXIT
printf '[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nstate_path =\n' \
  >"$VMFORGED_DIR/bench.conf"
start_vmforged "$vmforged" --config bench.conf --hosts 10
out=$VMFORGED_DIR/out
"$bench" "$@" --connections 8 --concurrency 8 --endpoint "http://127.0.0.1:$VMFORGED_PORT/v2.1" \
  --json "$out.json" --plots "$out" 2>"$out.err"
# Not a terminal: no progress line.
[ ! -s "$out.err" ] || { echo "stderr not empty:"; cat "$out.err"; exit 1; }
/usr/bin/python3 "$here/check_bench_results.py" "$out.json" "$out"
if [ "$1" = versions ]; then
  "$bench" versions --duration 1.5 --progress --endpoint "http://127.0.0.1:$VMFORGED_PORT/v2.1" \
    2>"$out.err" >/dev/null
  grep -Eq $'^\r +1\\.[0-9] s +[0-9]+ req/s' "$out.err" || { echo "no progress line:"; cat -v "$out.err"; exit 1; }
  # A wrong command line is refused before any request, with status 2.
  for bad in "bogus" "burst" "steady 0" "versions --connections 0" "versions --nope"; do
    rc=0
    "$bench" $bad --endpoint "http://127.0.0.1:$VMFORGED_PORT/v2.1" >/dev/null 2>&1 || rc=$?
    [ $rc = 2 ] || { echo "vmforge-bench $bad: exit $rc, expected 2"; exit 1; }
  done
fi
echo "1 passed, 0 failed"
