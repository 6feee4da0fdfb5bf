#!/usr/bin/env bash
# bench/run-images.sh --quick: a real Glance, a burst of a new image then of
# the same image cached, and the create path against the embedded catalog.
# The runner itself checks one download of the whole image and none when
# cached; here: every figure has a number, and the results file holds them.
# Usage: images_bench_smoke.sh BIN_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! (cd / && /usr/bin/python3 -c 'import glance.cmd.api') 2>/dev/null; then
  echo "python3-glance is not installed"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$here/../../bench/run-images.sh" "$1" --quick "$out/r.md" >"$out/lines" 2>"$out/log" \
  || { cat "$out/lines" "$out/log"; exit 1; }
cat "$out/lines"
n='[0-9]+(\.[0-9]+)?'
expect() {
  grep -Eq "$1" "$out/lines" || { echo "no line matching: $1"; cat "$out/log"; exit 1; }
}
expect "^burst cache=cold builds=20 all_active_s=$n errors=0 bytes_downloaded=67108864$"
expect "^burst cache=cached builds=20 all_active_s=$n errors=0 bytes_downloaded=0$"
for b in embedded glance; do
  expect "^create backend=$b round=1 p50_ms=$n p99_ms=$n errors=0$"
done
expect "^\| cold / cached \| $n \|$"
grep -q "cold / cached" "$out/r.md" || { echo "no results file"; exit 1; }
echo "1 passed, 0 failed"
