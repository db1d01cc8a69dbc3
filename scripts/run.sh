#!/usr/bin/env bash
# make run: install what is missing, ensure PostgreSQL and Redis, migrate, load demo data, then
# run web + worker + beat (Procfile) under honcho until Ctrl-C or SIGTERM, and stop everything
# this script started on the way out.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/services.sh"
cd "$ROOT"

"$ROOT/scripts/bootstrap.sh"

honcho_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [[ -n $honcho_pid ]] && kill -0 "$honcho_pid" 2>/dev/null; then
    log "stopping web, worker and beat"
    kill -TERM "$honcho_pid"   # honcho stops its children, SIGKILL after 5 s
    wait "$honcho_pid"
  fi
  services_release
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

services_up
activate_venv

env_default_from_dotenv PORT
env_default_from_dotenv HOST
export HOST="${HOST:-127.0.0.1}"
if [[ -z ${PORT:-} ]]; then
  # Another checkout may already serve on 8000: take the next free port rather than fail.
  PORT=8000
  while port_in_use "$PORT"; do PORT=$((PORT + 1)); done
  [[ $PORT -eq 8000 ]] || warn "port 8000 is busy; using $PORT"
elif port_in_use "$PORT"; then
  die "port $PORT (PORT) is already in use"
fi
export PORT

# prometheus_client's multiprocess mode keeps per-process files: stale ones would skew /metrics.
export PROMETHEUS_MULTIPROC_DIR="$INSTANCE/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

log "migrating the database"
flask db upgrade
log "loading demo data"
flask seed demo

cat <<MSG

  Campaign Hub: http://${HOST:-127.0.0.1}:$PORT
  (demo logins and their passwords are printed above, once, when the demo users are created;
   DEMO_PASSWORD=... make run sets one of your choice; Ctrl-C stops everything)

MSG
# -e /dev/null: honcho would otherwise let .env override the environment; the app reads .env
# itself, with the environment winning. honcho runs in the background so that a SIGTERM sent
# to this script is handled at once (bash defers traps while a foreground child runs).
honcho start -e /dev/null -f "$ROOT/Procfile" -p "$PORT" &
honcho_pid=$!
wait "$honcho_pid"
