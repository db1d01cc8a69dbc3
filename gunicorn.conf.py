"""gunicorn settings read from the working directory: request-line limit, Prometheus multiprocess files."""
import os

# The longest request line gunicorn reads (its maximum; 0 would mean no bound at all). The app refuses URLs
# longer than MAX_URL_LENGTH (4,096 by default) itself, with 414 in the JSON envelope under /api and a page
# elsewhere; only lines past 8,190 bytes still get gunicorn's own plain 414.
limit_request_line = 8190


def child_exit(server, worker):
    # A dead worker's live gauges must not linger in /metrics.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
