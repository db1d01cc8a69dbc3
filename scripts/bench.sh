#!/usr/bin/env bash
# make bench: every bench/*.py in turn against a throwaway database, figures at the end.
# Arguments select benchmarks by name: scripts/bench.sh api_read   (or make bench ARGS=api_read)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec "$ROOT/scripts/with-test-env.sh" "$VENV/bin/python" "$ROOT/bench/run.py" "$@"
