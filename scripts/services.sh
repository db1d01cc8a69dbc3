#!/usr/bin/env bash
# PostgreSQL (+PostGIS) and Redis for this checkout.
#
# DATABASE_URL / REDIS_URL (environment first, then .env) name servers to use as they are.
# When unset, a private PostgreSQL cluster (instance/pg) and a private Redis (instance/redis)
# are started on free 127.0.0.1 ports, recorded in instance/*/port so a later start reuses
# them. Each checkout (git worktree) has its own instance/, so checkouts never collide.
#
# As a command:  scripts/services.sh start|stop|status
#   start prints the URLs and leaves the servers running until `stop`.
# As a library:  source scripts/services.sh; services_up; ...; services_release
#   services_up exports DATABASE_URL and REDIS_URL; services_release stops the private
#   servers once the last script using them has finished, unless `start` pinned them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_DB=campaignhub
USERS_DIR="$INSTANCE/.services-users"

# --- PostgreSQL -------------------------------------------------------------------------------

pg_bindir() {
  local d
  for d in $(ls -1d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $d/postgres ]] && { echo "$d"; return 0; }
  done
  command -v pg_config >/dev/null && { pg_config --bindir; return 0; }
  die "no PostgreSQL server binaries found: run scripts/bootstrap.sh as root, or set DATABASE_URL"
}

# PostgreSQL refuses to run as root: as root, run the cluster as the `postgres` OS user.
as_pg_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# The cluster lives in instance/pg. When the postgres user cannot reach this checkout (a
# clone inside a private temp dir), it lives in /tmp instead and instance/pg links to it.
pg_home() {
  if [[ -L $INSTANCE/pg ]]; then readlink -f "$INSTANCE/pg"; else echo "$INSTANCE/pg"; fi
}

pg_prepare_home() {
  [[ -e $INSTANCE/pg ]] && return 0
  mkdir -p "$INSTANCE/pg"
  [[ $(id -u) -eq 0 ]] || return 0
  id postgres >/dev/null 2>&1 ||
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  chown postgres: "$INSTANCE/pg"
  if ! runuser -u postgres -- test -w "$INSTANCE/pg" 2>/dev/null; then
    local alt
    alt="/tmp/campaignhub-pg-$(printf %s "$ROOT" | sha256sum | cut -c1-12)"
    rmdir "$INSTANCE/pg"
    mkdir -p "$alt"
    chown postgres: "$alt"
    ln -s "$alt" "$INSTANCE/pg"
    log "postgres cannot reach $INSTANCE; the cluster lives in $alt"
  fi
}

pg_port() { cat "$(pg_home)/port" 2>/dev/null || true; }

pg_running() {
  local home port bin
  home=$(pg_home); port=$(pg_port)
  [[ -n $port && -f $home/data/PG_VERSION ]] || return 1
  bin=$(pg_bindir)
  as_pg_owner "$bin/pg_ctl" status -D "$home/data" >/dev/null 2>&1 &&
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"
}

pg_url() { echo "postgresql://postgres@127.0.0.1:$(pg_port)/$PG_DB"; }

pg_start() {
  local home bin port sock attempt
  pg_prepare_home
  home=$(pg_home); bin=$(pg_bindir)
  if [[ ! -f $home/data/PG_VERSION ]]; then
    log "creating a private PostgreSQL cluster in $home"
    as_pg_owner "$bin/initdb" -D "$home/data" --auth=trust -U postgres -E UTF8 \
      --locale=C.UTF-8 --no-instructions --no-sync >/dev/null
    # The test suite, gunicorn workers and celery each hold pools: leave headroom.
    echo "max_connections = 200" | as_pg_owner tee -a "$home/data/postgresql.conf" >/dev/null
  fi
  # The socket dir stays inside the cluster dir (no clash with the system's /var/run/postgresql);
  # a unix socket path is limited to 107 bytes, so a deep checkout goes TCP only.
  sock="$home/run"
  as_pg_owner mkdir -p "$sock"
  [[ ${#sock} -lt 90 ]] || sock=""
  for attempt in 1 2 3 4 5; do
    port=$(pg_port)
    if [[ -z $port ]] || port_in_use "$port"; then port=$(free_port); fi
    # pg_ctl's child outlives us: close the services lock in it, or the lock would stay held.
    if as_pg_owner "$bin/pg_ctl" -D "$home/data" -l "$home/postgres.log" -w -t 60 \
         -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$sock'" \
         start >/dev/null {services_lock}>&-; then
      echo "$port" >"$home/port"
      log "PostgreSQL started on 127.0.0.1:$port"
      return 0
    fi
    # Most likely another checkout took the port between our check and the bind: retry.
    warn "PostgreSQL did not start on port $port (attempt $attempt); last log lines:"
    tail -n 5 "$home/postgres.log" >&2 || true
    rm -f "$home/port"
  done
  die "could not start PostgreSQL; see $home/postgres.log"
}

pg_ensure_db() {
  local psql
  psql="$(pg_bindir)/psql"
  if [[ -z $("$psql" -h 127.0.0.1 -p "$(pg_port)" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
    "$psql" -q -h 127.0.0.1 -p "$(pg_port)" -U postgres -d postgres -c "CREATE DATABASE $PG_DB"
  fi
}

pg_stop() {
  local home
  home=$(pg_home)
  if [[ -f $home/data/PG_VERSION ]] &&
     as_pg_owner "$(pg_bindir)/pg_ctl" status -D "$home/data" >/dev/null 2>&1; then
    as_pg_owner "$(pg_bindir)/pg_ctl" -D "$home/data" -m fast -w -t 60 stop >/dev/null
    log "PostgreSQL stopped"
  fi
  rm -f "$home/auto"
}

# --- Redis ------------------------------------------------------------------------------------

REDIS_HOME="$INSTANCE/redis"

redis_port() { cat "$REDIS_HOME/port" 2>/dev/null || true; }
redis_pid() { cat "$REDIS_HOME/redis.pid" 2>/dev/null || true; }

# True when the Redis answering on PORT is ours (its process_id is our pid file's), not
# another checkout's that happens to hold a port we once used.
redis_answers() {
  local port=$1 pid
  pid=$(redis_pid)
  [[ -n $pid ]] && redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null | tr -d '\r' |
    grep -qx "process_id:$pid"
}

redis_running() {
  local port
  port=$(redis_port)
  [[ -n $port ]] && redis_answers "$port"
}

redis_url() { echo "redis://127.0.0.1:$(redis_port)/0"; }

redis_start() {
  local port attempt i
  command -v redis-server >/dev/null || die "redis-server not found: run scripts/bootstrap.sh as root, or set REDIS_URL"
  mkdir -p "$REDIS_HOME"
  for attempt in 1 2 3 4 5; do
    port=$(redis_port)
    if [[ -z $port ]] || port_in_use "$port"; then port=$(free_port); fi
    rm -f "$REDIS_HOME/redis.pid"
    # Nothing here is worth keeping across restarts: no RDB snapshots, no AOF.
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes \
      --pidfile "$REDIS_HOME/redis.pid" --logfile "$REDIS_HOME/redis.log" \
      --dir "$REDIS_HOME" --save '' --appendonly no {services_lock}>&-
    for i in $(seq 50); do
      if redis_answers "$port"; then
        echo "$port" >"$REDIS_HOME/port"
        log "Redis started on 127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    warn "Redis did not start on port $port (attempt $attempt); last log lines:"
    tail -n 5 "$REDIS_HOME/redis.log" >&2 || true
    [[ -n $(redis_pid) ]] && kill "$(redis_pid)" 2>/dev/null || true
    rm -f "$REDIS_HOME/port"
  done
  die "could not start Redis; see $REDIS_HOME/redis.log"
}

redis_stop() {
  local pid i
  pid=$(redis_pid)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "Redis stopped"
  fi
  rm -f "$REDIS_HOME/redis.pid" "$REDIS_HOME/auto"
}

# --- Orchestration ----------------------------------------------------------------------------

# One script at a time decides to start or stop this checkout's servers.
services_lock() {
  mkdir -p "$INSTANCE"
  exec {services_lock}>"$INSTANCE/.services.lock"
  flock -w 300 "$services_lock" || die "timed out waiting for $INSTANCE/.services.lock"
}
services_unlock() { exec {services_lock}>&-; }

# Ensure both servers and export DATABASE_URL and REDIS_URL. Registers the calling script
# (by pid) as a user, so that services_release knows when the last user has gone.
services_up() {
  env_default_from_dotenv DATABASE_URL
  env_default_from_dotenv REDIS_URL
  services_lock
  mkdir -p "$USERS_DIR"
  : >"$USERS_DIR/$$"
  if [[ -z ${DATABASE_URL:-} ]]; then
    if ! pg_running; then
      pg_start
      : >"$(pg_home)/auto"     # started on demand: the last user stops it
    fi
    pg_ensure_db
    export DATABASE_URL; DATABASE_URL=$(pg_url)
  fi
  if [[ -z ${REDIS_URL:-} ]]; then
    if ! redis_running; then
      redis_start
      : >"$REDIS_HOME/auto"
    fi
    export REDIS_URL; REDIS_URL=$(redis_url)
  fi
  services_unlock
}

# Stop the private servers that were started on demand, once no other script uses them.
services_release() {
  local f
  services_lock
  rm -f "$USERS_DIR/$$"
  for f in "$USERS_DIR"/*; do
    [[ -e $f ]] || continue
    if kill -0 "${f##*/}" 2>/dev/null; then services_unlock; return 0; fi
    rm -f "$f"                  # a user that died without releasing
  done
  [[ -f $(pg_home)/auto ]] && pg_stop
  [[ -f $REDIS_HOME/auto ]] && redis_stop
  services_unlock
}

services_main() {
  case "${1:-}" in
    start)
      services_up
      # Started by hand: keep them running until `scripts/services.sh stop`.
      rm -f "$(pg_home)/auto" "$REDIS_HOME/auto" "$USERS_DIR/$$"
      echo "DATABASE_URL=$DATABASE_URL"
      echo "REDIS_URL=$REDIS_URL"
      ;;
    stop)
      services_lock
      [[ -e $INSTANCE/pg ]] && pg_stop
      redis_stop
      services_unlock
      ;;
    status)
      if [[ -e $INSTANCE/pg ]] && pg_running; then echo "postgres: running, $(pg_url)"; else echo "postgres: stopped"; fi
      if redis_running; then echo "redis: running, $(redis_url)"; else echo "redis: stopped"; fi
      ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then services_main "$@"; fi
