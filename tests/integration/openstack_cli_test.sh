#!/usr/bin/env bash
# The openstack CLI (python3-openstackclient) against a real vmforged with
# noauth2 tokens: flavor list, server create --wait, list, show, stop,
# start, delete. The daemon is stopped by its PID.
set -euo pipefail
. "$(dirname "$0")/../../scripts/daemon.sh"
trap 'stop_vmforged; rm -rf "$VMFORGED_LOG" "$VMFORGED_DIR"' EXIT
start_vmforged "$(readlink -f "$1")" --hosts 2
port=$VMFORGED_PORT

os() {
  openstack --os-auth-type admin_token --os-token "demo:demo" \
    --os-endpoint "http://127.0.0.1:$port/v2.1" "$@"
}
fail() {
  echo "FAIL: $*"
  echo "--- vmforged log (last lines):"
  tail -20 "$VMFORGED_LOG"
  exit 1
}

# Output is captured before matching: `grep -q` in a pipeline exits at the
# first match and, under pipefail, the CLI's SIGPIPE would fail the step.
flavors=$(os flavor list -f value -c Name)
grep -qx m1.tiny <<<"$flavors" || fail "flavor list"
# (There is no image service for `openstack image list`: the id of the
# default catalog's image.)
image=8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f
# --wait prints its progress before the value: keep the last line.
id=$(os server create --flavor m1.tiny --image "$image" --wait cli-vm \
       -f value -c id | tail -1 | tr -d '[:space:]')
[ -n "$id" ] || fail "server create"
servers=$(os server list -f value -c ID -c Status)
grep -q "^$id ACTIVE$" <<<"$servers" || fail "server list"
[ "$(os server show "$id" -f value -c name)" = cli-vm ] || fail "server show"
os server stop "$id"
for _ in $(seq 1 100); do
  [ "$(os server show "$id" -f value -c status)" = SHUTOFF ] && break
  sleep 0.05
done
[ "$(os server show "$id" -f value -c status)" = SHUTOFF ] || fail "server stop"
os server start "$id"
for _ in $(seq 1 100); do
  [ "$(os server show "$id" -f value -c status)" = ACTIVE ] && break
  sleep 0.05
done
[ "$(os server show "$id" -f value -c status)" = ACTIVE ] || fail "server start"
os server delete --wait "$id"
[ -z "$(os server list -f value -c ID)" ] || fail "server delete"
echo "1 passed, 0 failed"
