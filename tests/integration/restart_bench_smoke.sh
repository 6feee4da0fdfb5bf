#!/usr/bin/env bash
# A small run of the stored-instances bench: 2,000 servers survive a
# restart and the report line has its fields.
set -euo pipefail
out=$("$(dirname "$0")/../../bench/run-restart.sh" "$1" 2000)
echo "$out"
grep -Eq "^restart instances=2000 created_in_s=[0-9.]+ rss_empty_kib=[0-9]+ rss_full_kib=[0-9]+ rss_after_restart_kib=[0-9]+ restart_s=[0-9.]+ db_kib=[0-9]+ rss_per_instance_b=-?[0-9]+" <<<"$out" \
  || { echo "bad or missing line"; exit 1; }
echo "1 passed, 0 failed"
