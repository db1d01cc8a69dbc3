"""JSON logs with a request id, and Prometheus metrics for requests and Celery tasks."""
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram("http_request_duration_seconds", "Time to answer an HTTP request", ["method", "endpoint"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
CELERY_TASKS = Counter("celery_tasks_total", "Celery task outcomes", ["task", "outcome"])


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            try:
                record.request_id = g.get("request_id")
            except RuntimeError:  # outside a request
                record.request_id = None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                       rename_fields={"levelname": "level", "asctime": "time"}))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _start_request() -> None:
    # Nothing of an earlier request may leak into this one: tests run many requests in one app context.
    for name in list(g):
        g.pop(name)
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
    if "request_started" in g:
        HTTP_LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - g.request_started)
    HTTP_REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    return response


def init_observability(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"])
    app.before_request(_start_request)
    app.after_request(_finish_request)


def metrics_text() -> bytes:
    """Prometheus exposition; under gunicorn every worker's samples are merged (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


def count_task(task_name: str, outcome: str) -> None:
    CELERY_TASKS.labels(task_name or "unknown", outcome).inc()
