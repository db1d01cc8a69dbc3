"""Fixtures on the real thing: PostgreSQL + PostGIS built by migrations, Redis, a real Celery worker, Chromium."""
import os
import socket
import threading
import time

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.factories import ApiClient, make_user

# Fixtures of the S3-compatible server (s3_server, s3_storage) and of the OpenAI-compatible one (openai_server,
# openai_local), available to every test module.
pytest_plugins = ["tests.storage_server", "tests.servers"]

# Reference data loaded by migrations (the gazetteer, ~20 s to load) survives between tests.
KEEP_TABLES = {"alembic_version", "spatial_ref_sys", "places", "place_names", "place_variants", "geo_datasets"}


def build_app():
    """A testing app whose database is migrated to the newest revision."""
    app = create_app("testing")
    with app.app_context():
        upgrade(revision="heads")
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def app():
    return build_app()


def _wait_for_idle_worker(timeout: float = 30.0) -> None:
    """Let the in-process worker finish what an earlier test queued: a task still running would hold row locks
    that the truncation below waits for (a deadlock), or write into the next test's tables."""
    from celery.worker import state

    deadline = time.monotonic() + timeout
    while (state.active_requests or state.reserved_requests) and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Every test starts from empty tables and an empty Redis database (truncation works across threads and workers)."""
    # Queued tasks go first (nothing new reaches the worker), then running ones are let finish.
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
    _wait_for_idle_worker()
    with app.app_context():
        db.session.remove()
        tables = db.session.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        tables = [t for t in tables if t not in KEEP_TABLES]
        if tables:
            db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.session.remove()
    redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()
    yield
    # A test that builds an app of its own (a broken Redis URL, production settings) makes that app's Celery the
    # process default and this thread's current app (which wins); the session's worker and tasks must keep talking
    # to the session app's, or a task called here runs in the other app's context (its STORAGE_DIR, its database).
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()


@pytest.fixture
def config(app, monkeypatch):
    """Change settings for one test: config(RATE_LIMIT_LOGIN="5/minute", ...); every change is undone after it.

    The one way tests change configuration (never by assigning to app.config)."""

    def change(**settings):
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)

    return change


@pytest.fixture
def api(client):
    """A JSON client for /api/v1 that remembers a bearer token and an account header."""
    return ApiClient(client)


@pytest.fixture
def user(app):
    return make_user(username="owner", role="store_owner")


@pytest.fixture
def owner_api(api, user):
    """The API signed in as a store owner (owner of their own account)."""
    return api.login(user)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_url(app):
    """The app served over real HTTP on a free port, in a thread of the test process."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(autouse=True)
def queued(request, monkeypatch):
    """The one way tests run tasks. A test that asks for `celery_worker` sends its tasks through Redis to that real
    worker; any other test's tasks are recorded here as (name, args) and run nowhere, so nothing it queues can race
    it or leak into the next test, and it can assert what was queued. A test of what a task does calls its service."""
    sent = []
    if "celery_worker" not in request.fixturenames:
        from app.services import dispatch

        monkeypatch.setattr(dispatch, "enqueue", lambda name, *args, **options: sent.append((name, args)))
        monkeypatch.setattr(dispatch, "enqueue_many",
                            lambda name, calls: sent.extend((name, tuple(args)) for args, _ in calls))
    return sent


@pytest.fixture(scope="session")
def celery_worker(app):
    """A real Celery worker consuming every queue, in this process, for behaviour that depends on timing."""
    from celery.contrib.testing.worker import start_worker

    celery = app.extensions["celery"]
    queues = ",".join(q.name for q in celery.conf.task_queues)
    with start_worker(celery, pool="threads", concurrency=4, perform_ping_check=False, loglevel="WARNING",
                      shutdown_timeout=10, queues=queues.split(",")) as worker:
        yield worker


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll `predicate` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(base_url=live_url, locale="en-US", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


SCREENSHOTS = os.path.join(os.path.dirname(__file__), "browser", "screenshots")


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under tests/browser/screenshots/<name>.png to look at."""
    os.makedirs(SCREENSHOTS, exist_ok=True)

    def take(name: str) -> str:
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        page.screenshot(path=path, full_page=True)
        return path

    return take
