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
image=8d1a4c1e-6b7f-4a3e-9a55-0f9c1b2d3e4f
name=cirros-0.6.2-x86_64-disk
# By name: with --os-endpoint the image client uses the same endpoint,
# /v2.1, and finds the name through the image proxy (GET /v2.1/images?name=
# at microversion 2.1). --wait prints its progress before the value: keep
# the last line.
id=$(os server create --flavor m1.tiny --image "$name" --wait cli-vm \
       -f value -c id | tail -1 | tr -d '[:space:]')
[ -n "$id" ] || fail "server create --image NAME"
# The Glance-shaped endpoint (docs/images.md): openstacksdk's
# image_endpoint_override, read from OS_IMAGE_ENDPOINT_OVERRIDE only for
# the environment's cloud (OS_CLOUD=envvars).
osg() {
  OS_CLOUD=envvars OS_IMAGE_ENDPOINT_OVERRIDE="http://127.0.0.1:$port/v2" os "$@"
}
images=$(osg image list -f value -c Name)
grep -qx "$name" <<<"$images" || fail "image list through /v2"
[ "$(osg image show "$name" -f value -c id)" = "$image" ] || fail "image show"
id2=$(osg server create --flavor m1.tiny --image "$name" --wait cli-vm2 \
        -f value -c id | tail -1 | tr -d '[:space:]')
[ -n "$id2" ] || fail "server create --image NAME through /v2"
[ "$(osg server show "$id2" -f value -c image)" = "$name ($image)" ] \
  || fail "server show through /v2"
osg server delete --wait "$id2"
if os server create --flavor m1.tiny --image no-such-image cli-vm3 \
     >/dev/null 2>&1; then
  fail "server create of an unknown image name"
fi
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
