"""Is each dependency reachable? Used by /health and the load balancer."""
import time
from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy import text

from app.extensions import db


@dataclass
class HealthReport:
    components: dict

    @property
    def healthy(self) -> bool:
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


def check() -> HealthReport:
    return HealthReport({"database": _probe(_database), "redis": _probe(_redis)})
