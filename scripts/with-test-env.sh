#!/usr/bin/env bash
# Run a command (pytest, a benchmark) against throwaway state, then clean up:
#   scripts/with-test-env.sh CMD [ARGS...]
# Bootstraps, ensures the servers (scripts/services.sh), creates a database with a random name
# on the PostgreSQL server DATABASE_URL names (or the private cluster) and picks an empty Redis
# DB number, exports both as DATABASE_URL / REDIS_URL, runs CMD, and on exit drops the
# database, flushes that Redis DB and releases the servers. Exits with CMD's status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$ROOT/scripts/services.sh"
cd "$ROOT"

[[ $# -gt 0 ]] || die "usage: $0 CMD [ARGS...]"

"$ROOT/scripts/bootstrap.sh"
services_up
PY="$VENV/bin/python"

# Create a database named test_<random> on DATABASE_URL's server; print its URL.
create_throwaway_db() {
  "$PY" - "$DATABASE_URL" <<'PY'
import secrets, sys
from urllib.parse import urlsplit, urlunsplit
import psycopg2

url = urlsplit(sys.argv[1])
scheme = url.scheme.split("+")[0]  # postgresql+psycopg2:// is SQLAlchemy's, not libpq's
name = "test_" + secrets.token_hex(6)
conn = psycopg2.connect(urlunsplit((scheme,) + tuple(url[1:])))
conn.autocommit = True
cur = conn.cursor()
cur.execute(f'CREATE DATABASE "{name}"')
# A test that leaves a transaction open makes the next truncation wait forever: turn that
# deadlock into an error that names it (no legitimate test waits a minute for a lock).
cur.execute(f"ALTER DATABASE \"{name}\" SET lock_timeout = '60s'")
conn.close()
print(urlunsplit((url.scheme, url.netloc, "/" + name, url.query, url.fragment)))
PY
}

# Drop the throwaway database, whoever is still connected to it (a stray worker).
drop_throwaway_db() {
  "$PY" - "$BASE_DATABASE_URL" "$TEST_DATABASE_URL" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
import psycopg2

base, test = (urlsplit(u) for u in sys.argv[1:])
name = test.path.lstrip("/")
assert name.startswith("test_"), name
conn = psycopg2.connect(urlunsplit((base.scheme.split("+")[0],) + tuple(base[1:])))
conn.autocommit = True
conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
conn.close()
PY
}

# Pick an empty Redis DB number other than the one REDIS_URL names; print its URL.
pick_throwaway_redis() {
  "$PY" - "$REDIS_URL" <<'PY'
import random, sys
from urllib.parse import urlsplit, urlunsplit
import redis

url = urlsplit(sys.argv[1])
own = int(url.path.strip("/") or 0)
client = redis.Redis.from_url(sys.argv[1])
try:
    count = int(client.config_get("databases")["databases"])
except (redis.ResponseError, KeyError):  # managed servers may refuse CONFIG
    count = 16
candidates = [n for n in range(1, count) if n != own]
random.shuffle(candidates)
for n in candidates:
    if redis.Redis.from_url(urlunsplit(url._replace(path=f"/{n}"))).dbsize() == 0:
        print(urlunsplit(url._replace(path=f"/{n}")))
        break
else:
    sys.exit("no empty Redis database left on " + sys.argv[1])
PY
}

flush_throwaway_redis() {
  "$PY" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()' "$TEST_REDIS_URL"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  [[ -n ${TEST_DATABASE_URL:-} ]] && drop_throwaway_db
  [[ -n ${TEST_REDIS_URL:-} ]] && flush_throwaway_redis
  services_release
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BASE_DATABASE_URL=$DATABASE_URL
TEST_DATABASE_URL=$(create_throwaway_db)
TEST_REDIS_URL=$(pick_throwaway_redis)
export DATABASE_URL=$TEST_DATABASE_URL REDIS_URL=$TEST_REDIS_URL
export CAMPAIGNHUB_TEST_ENV=1   # tells bench/run.py it is already inside a throwaway env
log "throwaway database ${TEST_DATABASE_URL##*/}, Redis DB ${TEST_REDIS_URL##*/}"

activate_venv
# The command runs in the foreground so that Ctrl-C and a debugger's prompt reach it directly.
set +e
"$@"
rc=$?
set -e
exit "$rc"
