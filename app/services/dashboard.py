"""Figures for the dashboard, counted in SQL for the current account."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, ActivityEvent, Membership

# Later domains register (label, count function) here so the dashboard grows with the product.
COUNTERS: list[tuple[str, callable]] = []


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    recent_activity: list[ActivityEvent] = field(default_factory=list)


def register_counter(label: str, count) -> None:
    COUNTERS.append((label, count))


def summary(account: Account) -> Summary:
    members = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.account_id == account.id))
    counts = {"Team members": members}
    for label, count in COUNTERS:
        counts[label] = count(account)
    recent = db.session.scalars(
        select(ActivityEvent).where(ActivityEvent.account_id == account.id)
        .order_by(ActivityEvent.created_at.desc()).limit(10)
    ).all()
    return Summary(counts=counts, recent_activity=list(recent))
