"""A campaign's message log as people search it: by status, channel and (part of) the address."""
from app.models import Campaign, Message
from app.services.messaging import messages_query
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern


def list_message_log(campaign: Campaign, *, page: int = 1, size: int = 10, status: str | None = None,
                     channel: str | None = None, to: str | None = None) -> Page:
    """The campaign's messages, one per recipient, filtered by status, channel and an address containing `to`."""
    stmt = messages_query(campaign, status=status, channel=channel)
    if to and to.strip():
        stmt = stmt.where(Message.to_address.ilike(contains_pattern(to.strip().lower()), escape=LIKE_ESCAPE))
    return paginate(stmt, page=page, size=size)
