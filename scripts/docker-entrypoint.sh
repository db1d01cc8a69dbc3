#!/usr/bin/env bash
# Container entrypoint for web, worker and beat: start each with a clean Prometheus
# multiprocess dir (stale per-process files from a previous run would skew /metrics).
set -euo pipefail
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
