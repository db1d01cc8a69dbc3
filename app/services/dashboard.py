"""Figures for the dashboard, counted in SQL for the current account."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Account, ActivityEvent, Campaign, CampaignSuggestion, Customer, MediaFile, Membership, Message, SuggestionStatus,
    utcnow,
)
from app.models.messaging import ACCEPTED
from app.services.promos import promo_count


@dataclass
class Summary:
    counts: dict = field(default_factory=dict)
    recent_activity: list[ActivityEvent] = field(default_factory=list)


def _count(model, account: Account, *conditions) -> int:
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.account_id == account.id, *conditions)
    )


def _message_counts(account: Account) -> dict:
    """Messages sent (taken by the provider), opened and clicked, in one statement. Through the account's
    campaigns: messages has no account index of its own, and (campaign_id, status) finds each campaign's rows."""
    sent, opened, clicked = db.session.execute(select(
        func.count().filter(Message.status.in_(ACCEPTED)),
        func.count().filter(Message.opened_first_at.is_not(None)),
        func.count().filter(Message.clicked_first_at.is_not(None)),
    ).where(Message.campaign_id.in_(select(Campaign.id).where(Campaign.account_id == account.id)))).one()
    return {_l("Messages sent"): sent, _l("Messages opened"): opened, _l("Messages clicked"): clicked}


def summary(account: Account) -> Summary:
    """The current account at a glance; each domain adds its figure here."""
    counts = {
        _l("Team members"): _count(Membership, account),
        _l("Active campaigns"): _count(Campaign, account, Campaign.status == "active", Campaign.deleted_at.is_(None)),
        _l("Customers"): _count(Customer, account),
        _l("Media files"): _count(MediaFile, account),
        _l("AI suggestions to review"): _count(CampaignSuggestion, account,
                                                CampaignSuggestion.status == SuggestionStatus.PENDING),
        _l("Actions this week"): _count(ActivityEvent, account, ActivityEvent.created_at >= utcnow() - timedelta(days=7)),
        _l("Active promos"): promo_count(account),
        **_message_counts(account),
    }
    recent = db.session.scalars(
        select(ActivityEvent).where(ActivityEvent.account_id == account.id)
        .order_by(ActivityEvent.created_at.desc()).limit(10)
    ).all()
    return Summary(counts=counts, recent_activity=list(recent))
