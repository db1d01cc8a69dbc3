"""The activity log as people read it, and the audit log: who did what, filtered, in words rather than codes.

Both read `activity_events` (written by every domain through record_event). The activity feed is an account's;
the audit feed is the security-relevant part (sign-ins, failed sign-ins, token reuse, roles and memberships, API
keys, webhooks, exports): platform admins read it across accounts (and the events outside any account, like a
failed sign-in), an account's owners read their own account's.
"""
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.errors import ValidationError
from app.formatting import sentence
from app.models import Account, ActivityEvent
from app.models.activity import AUDIT_EVENTS
from app.services.pagination import Page, paginate


# What happened, in a marketer's words; %(actor)s is the person (or "Campaign Hub" for the system), the other
# names come from the event's data. Events without a sentence read as "<actor>: <event>".
WORDS = {
    "campaign.created": _l("%(actor)s created the campaign “%(name)s”"),
    "campaign.updated": _l("%(actor)s edited a campaign"),
    "campaign.deleted": _l("%(actor)s deleted the campaign “%(name)s”"),
    "campaign.status_changed": _l("%(actor)s moved a campaign from %(from)s to %(to)s"),
    "campaign.synced": _l("A campaign was synced with Amazon Ads"),
    "campaign.sync_failed": _l("A campaign could not be synced with Amazon Ads"),
    "customer.created": _l("%(actor)s added a customer"),
    "customer.updated": _l("%(actor)s edited a customer"),
    "customer.deleted": _l("%(actor)s deleted a customer"),
    "customer.unsubscribed": _l("A customer unsubscribed"),
    "customers.tagged": _l("%(actor)s tagged %(count)s customers"),
    "import.created": _l("%(actor)s started importing %(filename)s"),
    "import.completed": _l("%(created)s customers imported, %(updated)s updated"),
    "import.failed": _l("A customer import failed"),
    "segment.created": _l("%(actor)s created the segment “%(name)s”"),
    "segment.updated": _l("%(actor)s edited the segment “%(name)s”"),
    "segment.deleted": _l("%(actor)s deleted the segment “%(name)s”"),
    "media.uploaded": _l("%(actor)s uploaded a file"),
    "media.deleted": _l("%(actor)s deleted the file %(filename)s"),
    "messaging.scheduled": _l("%(actor)s scheduled a send"),
    "messaging.send_requested": _l("%(actor)s sent a campaign"),
    "messaging.started": _l("A campaign started sending"),
    "messaging.completed": _l("A campaign finished sending"),
    "messaging.failed": _l("A campaign's send failed"),
    "promo.created": _l("%(actor)s scheduled a flash promo"),
    "promo.activated": _l("A flash promo started"),
    "promo.cancelled": _l("%(actor)s cancelled a flash promo"),
    "reservation.confirmed": _l("A customer bought a flash promo"),
    "product.created": _l("%(actor)s added the product %(sku)s"),
    "ai.suggestions_generated": _l("%(actor)s asked for AI suggestions"),
    "ai.content_generated": _l("%(actor)s had AI write product copy"),
    "auth.login": _l("%(actor)s signed in"),
    "user.registered": _l("%(actor)s signed up"),
    "account.created": _l("%(actor)s opened the account “%(name)s”"),
    "auth.login_failed": _l("A sign-in as %(login)s failed"),
    "auth.logout": _l("%(actor)s signed out"),
    "auth.refresh_token_reused": _l("A spent sign-in token of %(actor)s was reused: the session was ended"),
    "account.member_invited": _l("%(actor)s invited %(email)s as %(role)s"),
    "account.member_joined": _l("%(actor)s joined the account"),
    "account.member_role_changed": _l("%(actor)s changed a member's role"),
    "api_key.created": _l("%(actor)s made the API key “%(name)s”"),
    "api_key.revoked": _l("%(actor)s revoked the API key “%(name)s”"),
    "api_key.used": _l("The API key “%(name)s” was used from %(ip)s"),
    "webhook.created": _l("%(actor)s added a webhook to %(url)s"),
    "webhook.deleted": _l("%(actor)s removed the webhook to %(url)s"),
    "webhook.disabled": _l("The webhook to %(url)s was disabled after repeated failures"),
    "report.exported": _l("%(actor)s downloaded %(kind)s as %(format)s"),
    "report.requested": _l("%(actor)s asked for a PDF report of %(kind)s"),
}


def describe(event: ActivityEvent) -> str:
    """The event in words, in the reader's language ("Ana imported 1,204 customers")."""
    actor = event.actor.full_name or event.actor.username if event.actor else "Campaign Hub"
    words = WORDS.get(event.name)
    if words is None:
        return f"{actor}: {event.name}"
    return sentence(words, {**(event.data or {}), "actor": actor})


def _filtered(stmt: Select, *, actor_id=None, event: str | None = None, subject_type: str | None = None,
              subject_id: str | None = None, since: datetime | None = None, until: datetime | None = None) -> Select:
    if actor_id is not None:
        stmt = stmt.where(ActivityEvent.actor_id == actor_id)
    if event:
        if event.endswith(".*"):
            stmt = stmt.where(ActivityEvent.name.startswith(event[:-1], autoescape=True))
        else:
            stmt = stmt.where(ActivityEvent.name == event)
    if subject_type:
        stmt = stmt.where(ActivityEvent.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(ActivityEvent.subject_id == subject_id)
    if since is not None:
        stmt = stmt.where(ActivityEvent.created_at >= since)
    if until is not None:
        stmt = stmt.where(ActivityEvent.created_at < until)
    if since is not None and until is not None and until <= since:
        raise ValidationError(details={"until": ["Must be after since"]})
    return stmt.options(selectinload(ActivityEvent.actor)).order_by(ActivityEvent.created_at.desc(),
                                                                    ActivityEvent.id)


def list_activity(account: Account, *, page: int = 1, size: int = 20, **filters: Any) -> Page:
    """The account's activity, newest first, by actor, event (or "campaign.*"), subject and period."""
    stmt = select(ActivityEvent).where(ActivityEvent.account_id == account.id)
    return paginate(_filtered(stmt, **filters), page=page, size=size)


def list_audit(account: Account | None, *, page: int = 1, size: int = 20, account_id=None, **filters: Any) -> Page:
    """Security-relevant events, newest first: one account's (owners), or every account's and those outside
    any account (platform admins: `account` None, optionally narrowed to `account_id`)."""
    stmt = select(ActivityEvent).where(ActivityEvent.name.in_(AUDIT_EVENTS))
    if account is not None:
        stmt = stmt.where(ActivityEvent.account_id == account.id)
    elif account_id is not None:
        stmt = stmt.where(ActivityEvent.account_id == account_id)
    return paginate(_filtered(stmt, **filters), page=page, size=size)
