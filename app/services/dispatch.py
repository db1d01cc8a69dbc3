"""Enqueue Celery tasks by name once the current transaction commits, so a worker never sees uncommitted rows."""
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_KEY = "tasks_after_commit"
_MANY = object()  # marks an enqueue_many_after_commit entry


def enqueue_after_commit(name: str, *args, **options) -> None:
    """Send task `name` with `args` after commit; dropped if the transaction rolls back."""
    db.session().info.setdefault(_KEY, []).append((name, args, options))


def enqueue(name: str, *args, **options) -> None:
    # A signature by name runs through the registered task, so task_always_eager is honoured.
    current_app.extensions["celery"].signature(name, args=args).apply_async(**options)


def enqueue_many_after_commit(name: str, calls: list[tuple[tuple, dict]]) -> None:
    """Send task `name` once per (args, options) after commit, all in one batch (see enqueue_many)."""
    db.session().info.setdefault(_KEY, []).append((name, calls, _MANY))


def enqueue_many(name: str, calls: list[tuple[tuple, dict]]) -> None:
    """Send task `name` once per (args, options) through one producer in kombu's publish batch: on Redis, one
    pipeline per thousand messages instead of a round trip each (2,000 batch tasks took ~2 s one by one)."""
    celery = current_app.extensions["celery"]
    with celery.producer_or_acquire() as producer, producer.batch(max_size=1000):
        for args, options in calls:
            celery.signature(name, args=args).apply_async(producer=producer, **options)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for name, args, options in session.info.pop(_KEY, []):
        if options is _MANY:
            enqueue_many(name, args)
        else:
            enqueue(name, *args, **options)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_KEY, None)
