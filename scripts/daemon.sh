# Sourced by tests, benches and make tempest: start a vmforged on free
# loopback ports (the API's and the metrics') and stop it (by its PID) again.
#   start_vmforged BIN [ARGS...]  sets VMFORGED_PID, VMFORGED_PORT,
#                                 VMFORGED_METRICS_PORT, VMFORGED_LOG
#   stop_vmforged
# It runs in VMFORGED_DIR (default: a new temporary directory), so that its
# ./var (database, fake hypervisor) is its own.

start_vmforged() {
  local bin
  bin=$(readlink -f "$1")
  shift
  VMFORGED_LOG=${VMFORGED_LOG:-$(mktemp)}
  VMFORGED_DIR=${VMFORGED_DIR:-$(mktemp -d)}
  # Emptied now, not by the daemon's redirection: the port is read from
  # it below, and a restart must not find the last daemon's port there.
  : >"$VMFORGED_LOG"
  (cd "$VMFORGED_DIR" && exec "$bin" --port 0 --metrics-port 0 "$@" 2>"$VMFORGED_LOG") &
  VMFORGED_PID=$!
  VMFORGED_PORT=""
  local _
  for _ in $(seq 1 200); do
    VMFORGED_PORT=$(sed -n 's/.*Compute API on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$VMFORGED_LOG")
    VMFORGED_METRICS_PORT=$(sed -n 's/.*metrics on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$VMFORGED_LOG")
    [ -n "$VMFORGED_PORT" ] && return 0
    kill -0 "$VMFORGED_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "vmforged did not start:" >&2
  cat "$VMFORGED_LOG" >&2
  return 1
}

stop_vmforged() {
  [ -n "${VMFORGED_PID:-}" ] || return 0
  kill -TERM "$VMFORGED_PID" 2>/dev/null || true
  wait "$VMFORGED_PID" 2>/dev/null || true
  VMFORGED_PID=""
}
