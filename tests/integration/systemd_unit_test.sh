#!/usr/bin/env bash
# contrib/vmforged.service passes systemd-analyze verify (with the unit's
# binary path pointed at the one built here). Exit 77 (skipped) where
# systemd-analyze is not installed.
set -euo pipefail
bin=$(readlink -f "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/bin/vmforged|$bin|g" "$root/contrib/vmforged.service" >"$dir/vmforged.service"
out=$(systemd-analyze verify "$dir/vmforged.service" 2>&1) || { echo "$out"; exit 1; }
# verify prints warnings without failing: any line is a defect.
[ -z "$out" ] || { echo "$out"; exit 1; }
for opt in NoNewPrivileges=yes ProtectSystem=strict Restart=on-failure; do
  grep -qx "$opt" "$dir/vmforged.service" || { echo "missing $opt"; exit 1; }
done
echo "1 passed, 0 failed"
