#!/usr/bin/env bash
# Real guests (make bench): time to ACTIVE of 1, 5 and 10 concurrent
# servers on a libvirtd with qemu (TCG) that bench/libvirt_qemu.py starts
# and stops itself, against libvirt's test:///default in the same run.
# Writes bench/results/<date>-<host>-libvirt.md. Needs root.
# Usage: run-libvirt.sh path/to/vmforged [rounds, default 3]
set -euo pipefail
bin=$(readlink -f "$1")
rounds=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/results-header.sh"
out="$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)-libvirt.md"
{
  results_header "vmforge on real qemu guests"
  echo
  echo "Each round boots the servers at once through the API and polls the"
  echo "server list every 20 ms (the resolution of the test:///default"
  echo "column), then deletes them. Guests are 1 vCPU / 512 MiB (m1.tiny)"
  echo "with a blank 64 MiB qcow2 image: they run their firmware only."
  echo
} >"$out"
status=0
/usr/bin/python3 "$here/libvirt_qemu.py" "$bin" --rounds "$rounds" --out "$out" \
  || status=$?
if [ "$status" -eq 77 ]; then
  echo "skipped: no libvirtd can run here (root and scripts/install-deps needed)" >>"$out"
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
echo "wrote $out"
