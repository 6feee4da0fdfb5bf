#!/usr/bin/env bash
# Real guests by hand (the baseline for vmforged's boots): 1, 5 and 10 test
# guests (tests/guest/build-guest) started at once with `virsh start` on a
# libvirtd that bench/guests.py starts and stops itself; time to DHCP lease
# and to `ssh root@IP hostname` answering, and qemu's RSS per guest.
# With a vmforged binary, the same guests through its API afterwards
# (POST /servers to SSH answering), in a second table.
# Writes bench/results/<date>-<host>-guests.md. Needs root.
# Usage: run-guests.sh [counts, default 1,5,10] [vcpus, default 1]
#                      [path/to/vmforged]
# GUEST_TIMEOUT: seconds a guest may take to answer SSH (default 600).
set -euo pipefail
counts=${1:-1,5,10}
vcpus=${2:-1}
vmforged=${3:+$(readlink -f "$3")}
timeout=${GUEST_TIMEOUT:-600}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/results-header.sh"
out="$here/results/$(date -u +%Y-%m-%d)-$(hostname -s)-guests.md"
{
  results_header "Real guests by hand (virsh start to SSH)"
  echo
  echo "Each round defines the guests (a DHCP host entry, a qcow2 overlay, a"
  echo "config drive and the domain each), starts them all at once and times,"
  echo "from each guest's \`virsh start\`: its return, the guest's DHCP lease"
  echo "(its console marker) and its first \`ssh root@IP hostname\` answer."
  echo "Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
} >"$out"
status=0
/usr/bin/python3 "$here/guests.py" --counts "$counts" --vcpus "$vcpus" --timeout "$timeout" --out "$out" \
  || status=$?
if [ "$status" -eq 77 ]; then
  echo "skipped: no libvirtd can run here (root and scripts/install-deps needed)" >>"$out"
elif [ "$status" -ne 0 ]; then
  exit "$status"
elif [ -n "$vmforged" ]; then
  printf '\n## Through vmforged (POST /servers to SSH answering)\n\n' >>"$out"
  /usr/bin/python3 "$here/guests.py" --counts "$counts" --vcpus "$vcpus" \
    --timeout "$timeout" --vmforged "$vmforged" --out "$out"
fi
echo "wrote $out"
