"""gunicorn settings read from the working directory: keep Prometheus multiprocess files consistent."""
import os


def child_exit(server, worker):
    # A dead worker's live gauges must not linger in /metrics.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
