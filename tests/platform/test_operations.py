"""Health, metrics, logs and the production safety checks."""
import io
import json
import logging
import os
import subprocess
import sys
import urllib.request

import pytest

from app import create_app
from app.config import ConfigurationError
from tests.conftest import free_port, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_health_reports_each_component(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert set(response.json["components"]) == {"database", "redis"}
    assert response.json["workers"]["status"] in ("ok", "down")  # reported, never a reason for 503
    assert set(response.json["waiting"]) == {"imports", "media"}


def test_health_is_503_in_the_envelope_when_redis_is_down():
    app = create_app({"ENV": "testing", "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["type"] == "ServiceUnavailableError"
    components = response.json["details"]["components"]
    assert components["redis"]["status"] == "down" and components["database"]["status"] == "ok"
    assert response.json["details"]["workers"] == {"status": "unknown"}  # the ping would go through Redis


def test_health_is_503_when_the_database_is_down():
    app = create_app({"ENV": "testing", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://postgres@127.0.0.1:1/none"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["details"]["components"]["database"]["status"] == "down"


def test_metrics_count_requests_by_endpoint_and_status(api):
    api.get("/users/me")
    text = api.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{endpoint="/api/v1/users/me",method="GET",status="401"}' in text
    assert "http_request_duration_seconds_bucket" in text


def test_json_logs_carry_the_request_id(app):
    app_handler = logging.getLogger().handlers[0]
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.setFormatter(app_handler.formatter)
    for log_filter in app_handler.filters:
        probe.addFilter(log_filter)
    logger = logging.getLogger("app.test")
    logger.addHandler(probe)
    try:
        with app.test_request_context(headers={"X-Request-ID": "trace-me"}):
            app.preprocess_request()
            logger.warning("inside")
    finally:
        logger.removeHandler(probe)
    line = json.loads(stream.getvalue())
    assert line["message"] == "inside" and line["request_id"] == "trace-me" and line["level"] == "WARNING"


@pytest.mark.parametrize("overrides, problem", [
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 40, "FRONTEND_ORIGINS": ["*"]}, "FRONTEND_ORIGINS"),
    ({"SECRET_KEY": "x" * 40, "DEBUG": True}, "debug"),
])
def test_production_refuses_unsafe_settings(overrides, problem):
    with pytest.raises(ConfigurationError, match=problem):
        create_app({"ENV": "production", "FRONTEND_ORIGINS": ["https://shop.example"], **overrides})


def test_production_uses_secure_cookies():
    app = create_app({"ENV": "production", "SECRET_KEY": "x" * 40, "FRONTEND_ORIGINS": ["https://shop.example"]})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_start_fails_with_a_clear_message_and_non_zero_exit():
    env = dict(os.environ, ENV="production", SECRET_KEY="", FRONTEND_ORIGINS="*")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "Refusing to start with ENV=production" in result.stderr
    assert "SECRET_KEY" in result.stderr and "FRONTEND_ORIGINS" in result.stderr


def test_metrics_add_up_across_gunicorn_workers(tmp_path):
    """Two worker processes answer; /metrics must count every request, whichever worker served it."""
    port = free_port()
    env = dict(os.environ, ENV="testing", PROMETHEUS_MULTIPROC_DIR=str(tmp_path), RATE_LIMIT_DEFAULT="100000/hour")
    server = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-w", "2", "-b",
                               f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(base + "/health") is not None, timeout=30, interval=0.2)
        for _ in range(20):
            assert _get(base + "/health").status == 200
        metrics = _get(base + "/metrics").read().decode()
    finally:
        server.terminate()
        server.wait(timeout=20)
    served = [float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
              if line.startswith('http_requests_total{endpoint="/health",method="GET",status="200"}')]
    assert sum(served) >= 20  # the readiness probes count too
    assert len(list(tmp_path.iterdir())) >= 2  # one file per worker process


def _get(url):
    try:
        return urllib.request.urlopen(url, timeout=5)
    except OSError:
        return None


def test_celery_task_outcomes_are_counted(app, api, celery_worker):
    from app.services.dispatch import enqueue

    enqueue("auth.cleanup_tokens")
    wait_for(lambda: 'celery_tasks_total{outcome="success",task="auth.cleanup_tokens"}' in
             api.get("/metrics").get_data(as_text=True))
