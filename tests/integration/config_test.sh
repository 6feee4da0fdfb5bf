#!/usr/bin/env bash
# vmforged's configuration file from the command line: each kind of error
# exits 2 naming file, line and option; --print-config round-trips;
# --db-sync migrates a new database and exits.
set -euo pipefail
bin=$(readlink -f "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
passed=0

expect_error() { # name, file text, expected message
  printf '%s\n' "$2" >bad.conf
  local rc=0 out
  out=$("$bin" --config bad.conf --print-config 2>&1) || rc=$?
  if [ "$rc" -ne 2 ] || [[ "$out" != *"$3"* ]]; then
    echo "FAIL $1: exit $rc, output: $out (expected: $3)"
    exit 1
  fi
  passed=$((passed + 1))
}

expect_error "unknown section" $'[DEFAULT]\n[nonsense]' \
  "bad.conf:2: unknown section [nonsense]"
expect_error "unknown option" $'[api]\nprot = 1' \
  "bad.conf:2: [api] prot: unknown option"
expect_error "wrong type" $'[DEFAULT]\nmax_concurrent_builds = ten' \
  "bad.conf:2: [DEFAULT] max_concurrent_builds: expected an integer, got 'ten'"
expect_error "out of range" $'# hosts\n[scheduler]\nmax_attempts = 0' \
  "bad.conf:3: [scheduler] max_attempts: must be >= 1, got 0"
expect_error "bad choice" $'[api]\nauth_strategy = ldap' \
  "bad.conf:2: [api] auth_strategy:"
expect_error "not a database vmforged has" $'[database]\nconnection = mysql+pymysql://nova@db/nova' \
  "bad.conf:2: [database] connection:"
expect_error "garbage line" $'[DEFAULT]\nthis is not ini' \
  "bad.conf:2: cannot parse line"
expect_error "metrics port" $'[metrics]\nport = 70000' \
  "bad.conf:2: [metrics] port: must be <= 65535, got 70000"

# The roles' [cluster] rules, checked before anything starts.
expect_role_error() { # name, file text, expected message, role arguments...
  printf '%s\n' "$2" >role.conf
  local rc=0 out
  out=$("$bin" --config role.conf --port 0 --metrics-port 0 "${@:4}" 2>&1) || rc=$?
  if [ "$rc" -ne 2 ] || [[ "$out" != *"$3"* ]]; then
    echo "FAIL $1: exit $rc, output: $out (expected: $3)"
    exit 1
  fi
  passed=$((passed + 1))
}
expect_role_error "plain BASP off loopback" $'[database]\nconnection =\n[cluster]\nlisten = 0.0.0.0' \
  "[cluster] listen 0.0.0.0 is not a loopback address: it needs TLS ([cluster] certificate, private_key and ca_file)" \
  --role controller
expect_role_error "a TLS file alone" $'[cluster]\nca_file = ca.pem' \
  "[cluster] certificate, private_key and ca_file go together" --role controller
expect_role_error "a timeout heartbeats cannot keep" $'[cluster]\nheartbeat_interval = 2\nconnection_timeout = 3' \
  "[cluster] connection_timeout must be at least twice heartbeat_interval" \
  --role compute --host h1 --controller 127.0.0.1:8790
expect_role_error "a compute dialling off loopback in plain" $'[DEFAULT]\nreport_interval = 1' \
  "--controller 192.0.2.1 is not a loopback address: it needs TLS" \
  --role compute --host h1 --controller 192.0.2.1:8790
expect_role_error "a compute without a host" $'[DEFAULT]\nreport_interval = 1' \
  "--role compute needs --host NAME" --role compute
expect_role_error "an unreadable certificate" $'[database]\nconnection =\n[cluster]\ncertificate = no.pem\nprivate_key = no.key\nca_file = no-ca.pem' \
  "[cluster] cannot load TLS certificate chain no.pem" --role controller

rc=0
out=$("$bin" --config missing.conf 2>&1) || rc=$?
[ "$rc" -eq 2 ] && [[ "$out" == *"cannot read missing.conf"* ]] || { echo "FAIL missing file: $rc $out"; exit 1; }
passed=$((passed + 1))

# The effective configuration reads back to itself, command line included.
"$bin" --hosts 3 --port 9999 --metrics-port 9465 --print-config >first.conf
"$bin" --config first.conf --print-config >second.conf
diff -u first.conf second.conf
grep -q '^\[host:compute-3\]' second.conf
grep -q '^port = 9999' second.conf
grep -A2 '^\[metrics\]' second.conf | grep -q '^port = 9465'
passed=$((passed + 1))

# A metrics port vmforged cannot bind stops it at start, before anything
# else runs, with exit code 2. (This shell starts the port's holder and
# stops it by its PID.)
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >holder.port &
holder=$!
for _ in $(seq 1 100); do [ -s holder.port ] && break; sleep 0.05; done
taken=$(cat holder.port)
rc=0
out=$(timeout 20 "$bin" --port 0 --metrics-port "$taken" 2>&1) || rc=$?
kill "$holder"
wait "$holder" 2>/dev/null || true
[ "$rc" -eq 2 ] && [[ "$out" == *"cannot listen on 127.0.0.1:$taken for [metrics]"* ]] \
  || { echo "FAIL metrics port taken: exit $rc, output: $out"; exit 1; }
passed=$((passed + 1))

# An explicit virt_type = kvm without hardware virtualization is refused at
# start (where kvm_intel or kvm_amd is loaded it would run: not checked).
if [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
  printf '[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n[libvirt]\nconnection_uri = qemu+unix:///system?socket=%s/none.sock\nvirt_type = kvm\n' "$PWD" >kvm.conf
  rc=0
  out=$(timeout 20 "$bin" --config kvm.conf --port 0 --metrics-port 0 2>&1) || rc=$?
  [ "$rc" -eq 2 ] && [[ "$out" == *"[libvirt] virt_type = kvm, but neither kvm_intel nor kvm_amd is loaded in /sys/module"* ]] \
    || { echo "FAIL virt_type = kvm without hardware virtualization: exit $rc, output: $out"; exit 1; }
  passed=$((passed + 1))
fi

# The commented default file is what vmforged runs on without one.
"$bin" --print-config >embedded.conf
"$bin" --config "$root/etc/vmforge.conf" --print-config >etc.conf
diff -u embedded.conf etc.conf
passed=$((passed + 1))

# --db-sync creates and migrates the database named by [database].
printf '[database]\nconnection = sqlite:///state/test.db\n' >db.conf
out=$("$bin" --config db.conf --db-sync)
[[ "$out" == *"schema version 0 -> "* ]] && [ -s state/test.db ] || { echo "FAIL db-sync: $out"; exit 1; }
out=$("$bin" --config db.conf --db-sync)
[[ "$out" != *"schema version 0 ->"* ]] || { echo "FAIL db-sync twice: $out"; exit 1; }
passed=$((passed + 1))
echo "$passed passed, 0 failed"
