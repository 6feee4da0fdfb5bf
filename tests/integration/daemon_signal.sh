#!/usr/bin/env bash
# vmforged starts on its embedded defaults, says it is ready, and exits 0 on
# SIGTERM (and on SIGINT) within a few seconds.
set -euo pipefail
bin=$(readlink -f "$1")
log=$(mktemp)
dir=$(mktemp -d)
trap 'rm -rf "$log" "$dir"' EXIT
cd "$dir"

for sig in TERM INT; do
  "$bin" --hosts 3 --port 0 --metrics-port 0 2>"$log" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q "ready: 3 compute hosts" "$log" && break
    sleep 0.05
  done
  grep -q "ready: 3 compute hosts" "$log" || { echo "not ready:"; cat "$log"; kill -KILL $pid; exit 1; }
  kill -$sig $pid
  for _ in $(seq 1 100); do
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 $pid 2>/dev/null; then
    echo "vmforged did not stop on SIG$sig"; kill -KILL $pid; exit 1
  fi
  rc=0; wait $pid || rc=$?
  [ "$rc" -eq 0 ] || { echo "exit code $rc on SIG$sig"; cat "$log"; exit 1; }
  grep -q "stopping" "$log" || { echo "no stop line"; cat "$log"; exit 1; }
done
echo "1 passed, 0 failed"
