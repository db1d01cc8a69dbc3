# Shared helpers for the scripts in this folder; sourced, never run.
# Defines ROOT (the checkout), INSTANCE (its private state), VENV, and small utilities.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCE="$ROOT/instance"
VENV="$ROOT/.venv"

# Colour only on a terminal: CI logs stay plain text.
if [[ -t 2 ]]; then _b=$'\033[1;34m' _y=$'\033[1;33m' _r=$'\033[1;31m' _0=$'\033[0m'; else _b= _y= _r= _0=; fi
log() { printf '%s==>%s %s\n' "$_b" "$_0" "$*" >&2; }
warn() { printf '%swarning:%s %s\n' "$_y" "$_0" "$*" >&2; }
die() { printf '%serror:%s %s\n' "$_r" "$_0" "$*" >&2; exit 1; }

# Value of KEY in .env, or nothing. The scripts only need the few keys that decide which
# servers to use (DATABASE_URL, REDIS_URL, PORT); the app reads the rest of .env itself, and
# a variable already set in the environment always wins over .env.
dotenv_get() {
  local key=$1 file="$ROOT/.env" line value
  [[ -f $file ]] || return 0
  line=$(grep -E "^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=" "$file" | tail -n 1) || return 0
  value=${line#*=}
  value=${value#"${value%%[![:space:]]*}"}   # trim leading blanks
  value=${value%"${value##*[![:space:]]}"}   # trim trailing blanks
  if [[ $value == \"*\" || $value == \'*\' ]]; then value=${value:1:${#value}-2}; fi
  printf '%s' "$value"
}

# Export KEY from .env unless the environment already has a non-empty value.
env_default_from_dotenv() {
  local key=$1 value
  if [[ -z ${!key:-} ]]; then
    value=$(dotenv_get "$key")
    if [[ -n $value ]]; then export "$key=$value"; fi
  fi
  return 0
}

# A TCP port nobody listens on right now. Another process may grab it before we bind it,
# so callers retry with a fresh port when their server fails to start.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

port_in_use() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

activate_venv() {
  export VIRTUAL_ENV="$VENV"
  export PATH="$VENV/bin:$PATH"
  export FLASK_APP=wsgi.py
}
