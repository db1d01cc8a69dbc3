#!/usr/bin/env bash
# Install what this checkout needs and is missing: Debian packages, the virtualenv and its
# requirements, compiled translations. Idempotent, and fast (no apt, no pip) when nothing changed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Newest PostgreSQL major version installed the Debian way (/usr/lib/postgresql/<v>/bin/postgres).
pg_major() {
  local d
  for d in $(ls -1d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V -r); do
    d=${d#/usr/lib/postgresql/}; echo "${d%%/*}"; return 0
  done
}

debian_packages() {
  command -v dpkg-query >/dev/null || return 0
  local wanted=(chromium libharfbuzz-subset0 fonts-dejavu-core poppler-utils) missing=() p major
  major=$(pg_major)
  if [[ -n $major ]]; then
    wanted+=("postgresql-$major-postgis-3")
  elif [[ -z ${DATABASE_URL:-} ]]; then
    # No PostgreSQL at all and none given: the private cluster needs one (PostGIS included).
    wanted+=(postgresql-15 postgresql-15-postgis-3)
  fi
  command -v redis-server >/dev/null || wanted+=(redis-server)
  for p in "${wanted[@]}"; do is_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
    warn "missing Debian packages (install them as root): ${missing[*]}"
    return 0
  fi
  # Several checkouts may bootstrap at once; apt must run one at a time.
  exec {apt_lock}>/var/lock/campaignhub-apt.lock
  flock "$apt_lock"
  local still=()
  for p in "${missing[@]}"; do is_installed "$p" || still+=("$p"); done
  if [[ ${#still[@]} -gt 0 ]]; then
    log "installing Debian packages: ${still[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 "${still[@]}"
  fi
  flock -u "$apt_lock"
}

virtualenv() {
  mkdir -p "$VENV"
  # make run and make test in the same checkout must not pip-install into one venv at once.
  exec {venv_lock}>"$VENV/.bootstrap.lock"
  flock "$venv_lock"
  if [[ ! -x $VENV/bin/python ]]; then
    log "creating the virtualenv in .venv"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha256" want
  want=$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    log "installing requirements.txt into .venv"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    echo "$want" >"$stamp"
  fi
  flock -u "$venv_lock"
}

translations() {
  # The .mo files are build output (gitignored); compile them whenever catalogs exist.
  if [[ -d $ROOT/app/translations ]]; then
    "$VENV/bin/pybabel" -q compile -d "$ROOT/app/translations" ||
      warn "pybabel compile failed; pages will show untranslated text"
  fi
}

env_default_from_dotenv DATABASE_URL
debian_packages
virtualenv
translations
