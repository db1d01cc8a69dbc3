"""What was sent, as people look it up: the account's sends with their live counts, and a campaign's message log
searched by status, channel and (part of) the address."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import Account, Campaign, CampaignSend, Message, SendStatus
from app.models.messaging import ACCEPTED
from app.services.messaging import SENDABLE, messages_query
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern

SEND_STATES = ("not_scheduled", *[s.value for s in SendStatus])


@dataclass
class SendRow:
    """One messaging campaign on the account's list: its send (None until scheduled) and its messages' counts."""

    campaign: Campaign
    send: CampaignSend | None
    counts: dict = field(default_factory=dict)

    @property
    def state(self) -> str:
        return self.send.status.value if self.send else "not_scheduled"


def list_sends(account: Account, *, page: int = 1, size: int = 20, state: str | None = None,
               channel: str | None = None) -> Page:
    """The account's email and WhatsApp campaigns, latest send first, each with its send's state and its messages
    counted (total, sent, failed, skipped, opened, clicked): the page in one statement, its counts in one more."""
    stmt = (select(Campaign, CampaignSend).outerjoin(CampaignSend, CampaignSend.campaign_id == Campaign.id)
            .where(Campaign.account_id == account.id, Campaign.deleted_at.is_(None), Campaign.channel.in_(SENDABLE))
            .order_by(func.coalesce(CampaignSend.send_at, Campaign.created_at).desc(), Campaign.id))
    if channel in SENDABLE:
        stmt = stmt.where(Campaign.channel == channel)
    if state == "not_scheduled":
        stmt = stmt.where(CampaignSend.id.is_(None))
    elif state in SEND_STATES:
        stmt = stmt.where(CampaignSend.status == SendStatus(state))
    result = paginate(stmt, page=page, size=size, scalars=False)
    counts = _counts([row.Campaign.id for row in result.items])
    empty = dict.fromkeys(("total", "sent", "failed", "skipped", "opened", "clicked"), 0)
    result.items = [SendRow(row.Campaign, row.CampaignSend, counts.get(row.Campaign.id, empty))
                    for row in result.items]
    return result


def _counts(campaign_ids: list) -> dict:
    if not campaign_ids:
        return {}
    rows = db.session.execute(select(
        Message.campaign_id, func.count(), func.count().filter(Message.status.in_(ACCEPTED)),
        func.count().filter(Message.status == "failed"), func.count().filter(Message.status == "skipped"),
        func.count().filter(Message.opened_first_at.is_not(None)),
        func.count().filter(Message.clicked_first_at.is_not(None)),
    ).where(Message.campaign_id.in_(campaign_ids)).group_by(Message.campaign_id))
    return {row[0]: dict(zip(("total", "sent", "failed", "skipped", "opened", "clicked"), row[1:])) for row in rows}


def list_message_log(campaign: Campaign, *, page: int = 1, size: int = 10, status: str | None = None,
                     channel: str | None = None, to: str | None = None) -> Page:
    """The campaign's messages, one per recipient, filtered by status, channel and an address containing `to`."""
    stmt = messages_query(campaign, status=status, channel=channel)
    if to and to.strip():
        stmt = stmt.where(Message.to_address.ilike(contains_pattern(to.strip().lower()), escape=LIKE_ESCAPE))
    return paginate(stmt, page=page, size=size)
