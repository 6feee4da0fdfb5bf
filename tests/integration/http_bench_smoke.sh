#!/usr/bin/env bash
# A seconds-long run of the HTTP bench: it completes, wrk saw no errors and
# every line has its fields (the figures are not judged here).
set -euo pipefail
out=$("$(dirname "$0")/../../bench/run-http.sh" "$1" 1 "" 1)
echo "$out"
for name in 'versions' 'create\[memory\]' 'create\[sqlite\]' 'show\[sqlite\]'; do
  grep -Eq "^$name connections=64 wrk_result requests=[0-9]+ .*rps=[0-9]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ .*non2xx=0 errors=0" <<<"$out" \
    || { echo "bad or missing line: $name"; exit 1; }
done
grep -Eq "^median create connections=64 memory_rps=[0-9.]+ sqlite_rps=[0-9.]+ .*sqlite/memory=[0-9.]+" <<<"$out" \
  || { echo "no median line"; exit 1; }
echo "1 passed, 0 failed"
