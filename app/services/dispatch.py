"""Enqueue Celery tasks by name once the current transaction commits, so a worker never sees uncommitted rows."""
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_KEY = "tasks_after_commit"


def enqueue_after_commit(name: str, *args, **options) -> None:
    """Send task `name` with `args` after commit; dropped if the transaction rolls back."""
    db.session().info.setdefault(_KEY, []).append((name, args, options))


def enqueue(name: str, *args, **options) -> None:
    # A signature by name runs through the registered task, so task_always_eager is honoured.
    current_app.extensions["celery"].signature(name, args=args).apply_async(**options)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    for name, args, options in session.info.pop(_KEY, []):
        enqueue(name, *args, **options)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_KEY, None)
