"""Is each dependency reachable, do workers answer, and how long has the oldest job waited? For /health."""
import json
import time
from dataclasses import dataclass, field

import redis
from flask import current_app
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import ImportJob, ImportStatus, MediaFile, MediaStatus, utcnow

WORKERS_CACHE_SECONDS = 5
# What waits for a worker: (kind, model, the status it waits in). updated_at is when it started waiting.
WAITING = (("imports", ImportJob, ImportStatus.QUEUED), ("media", MediaFile, MediaStatus.UPLOADING))


@dataclass
class HealthReport:
    components: dict
    workers: dict = field(default_factory=dict)
    waiting: dict = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        # Workers and queues are reported, not judged: the web answers without them, and a load balancer must
        # not take every web server out because the workers are down.
        return all(c["status"] == "ok" for c in self.components.values())


def _probe(fn) -> dict:
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and we say which
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _database() -> None:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def _redis() -> None:
    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


def _workers() -> dict:
    """Whether workers answer, as last seen within WORKERS_CACHE_SECONDS (shared by every web process).

    Load balancers poll /health every few seconds: without the cache each poll would wait the whole ping
    timeout while no worker answers.
    """
    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1)
    key = f"health:workers:{current_app.extensions['celery'].conf.control_exchange}"
    try:
        cached = client.get(key)
        if cached is not None:
            return json.loads(cached)
        answer = _ping_workers()
        client.set(key, json.dumps(answer), ex=WORKERS_CACHE_SECONDS)
        return answer
    finally:
        client.close()


def _ping_workers() -> dict:
    """A Celery ping through the broker: the first answer ends the wait; none within the timeout is "down"."""
    timeout = current_app.config.get("HEALTH_WORKER_TIMEOUT", 1.0)
    started = time.perf_counter()
    try:
        answers = current_app.extensions["celery"].control.ping(timeout=timeout, limit=1)
    except Exception as exc:  # noqa: BLE001 - the broker refused the broadcast: say so, do not fail /health
        return {"status": "down", "error": type(exc).__name__}
    if not answers:
        return {"status": "down", "error": f"No worker answered within {timeout:g} s"}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _waiting() -> dict:
    """Per kind of job: how many wait for a worker, and the age in seconds of the one waiting longest."""
    report, now = {}, utcnow()
    try:
        for kind, model, status in WAITING:
            count, oldest = db.session.execute(select(func.count(), func.min(model.updated_at))
                                               .where(model.status == status)).one()
            report[kind] = {"waiting": count, "oldest_age_s": round((now - oldest).total_seconds(), 1)
                            if oldest else None}
    finally:
        db.session.rollback()
    return report


def check() -> HealthReport:
    components = {"database": _probe(_database), "redis": _probe(_redis)}
    report = HealthReport(components)
    # Both need what they ask about: a ping goes through Redis, job ages come from the database.
    report.workers = _workers() if components["redis"]["status"] == "ok" else {"status": "unknown"}
    if components["database"]["status"] == "ok":
        report.waiting = _waiting()
    return report
