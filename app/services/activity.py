"""The activity log, and the one place every domain reports a change (webhooks and notifications hang on it)."""
from typing import Any

from blinker import Namespace
from sqlalchemy import select

from app.extensions import db
from app.models import Account, ActivityEvent, User

signals = Namespace()
# Receivers get (event: ActivityEvent); they run inside the caller's unit of work.
event_recorded = signals.signal("event-recorded")


def record_event(account: Account | None, actor: User | None, name: str, subject: Any = None,
                 data: dict | None = None) -> ActivityEvent:
    """Log `name` (e.g. "campaign.created") about `subject`; flushed, committed by the caller's unit of work."""
    activity = ActivityEvent(
        account_id=account.id if account is not None else None,
        actor_id=actor.id if actor is not None else None,
        name=name,
        subject_type=type(subject).__tablename__ if hasattr(subject, "__tablename__") else None,
        subject_id=str(subject.id) if hasattr(subject, "id") else None,
        data=data or {},
    )
    db.session.add(activity)
    db.session.flush()
    event_recorded.send(activity)
    return activity


def activity_query(account: Account):
    return select(ActivityEvent).where(ActivityEvent.account_id == account.id).order_by(
        ActivityEvent.created_at.desc()
    )
