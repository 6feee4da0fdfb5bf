#!/usr/bin/env bash
# A seconds-long run of the pipeline bench: it completes and every report
# line has its fields (the figures themselves are not judged here).
set -euo pipefail
bin=$1
out=$("$bin" --hosts 10 --builds 2000 --inflight-builds 500 \
             --scheduler-hosts 10,100 --decisions 1000 --driver-builds 500)
echo "$out"
check() {
  grep -Eq "$1" <<<"$out" || { echo "missing: $1"; exit 1; }
}
check '^scheduler hosts=10 decisions=1000 p50_us=[0-9.]+ p99_us=[0-9.]+'
check '^scheduler_five_filters hosts=100 '
check '^scheduler_aggregates_and_groups hosts=100 '
check '^pipeline driver=fake hosts=10 builds=2000 active=2000 error=0 .*builds_per_s=[0-9]+ p50_ms=[0-9.]+ p99_ms=[0-9.]+ .*peak_rss_kib=[0-9]+'
check '^pipeline driver=fake hosts=10 builds=500 active=500 error=0 '
check '^pipeline driver=libvirt-test hosts=10 builds=500 active=500 error=0 .*builds_per_s=[0-9]+'
check '^inflight hosts=10 builds=500 .*rss_per_inflight_build_bytes=-?[0-9]+'
echo "1 passed, 0 failed"
