"""Notifications for an account's members; the one function every domain calls to tell them something.

A notification is stored as a message key (its `kind`) and the values it names (`params`), and put into words when
it is read, in the reader's language: members of one account who speak English and Spanish each read their own.
The English words are stored too (`title`, `body`), for the admin, the operator's alert email, and kinds a later
release drops; rows written before keys existed have no `params` and are read as they were stored.
"""
import uuid
from typing import Any

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db
from app.formatting import sentence
from app.integrations.email import email_sender, plain_email
from app.models import Account, Membership, Notification, User, utcnow
from app.services import get_owned, unit_of_work
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate
from app.services.read_models import RowView

# Every kind of notification: its title and body, with the %(names)s its params give.
MESSAGES = {
    "messaging.completed": (_l("“%(name)s” was sent"), _l("%(sent)s sent, %(failed)s failed, %(skipped)s skipped.")),
    "messaging.failed": (_l("“%(name)s” could not be sent"), _l("Reason: %(reason)s")),
    "promo.activated": (_l("Promo “%(title)s” is live"), None),
    "webhook.disabled": (_l("Webhook disabled: %(url)s"),
                         _l("%(failures)s deliveries in a row failed, so no more events are sent to it. Fix the "
                            "receiver, then turn the webhook on again in Settings.")),
    "report.ready": (_l("Your PDF report is ready: %(filename)s"), _l("Open Reports to download it.")),
}
TITLE_MAX = 200


def _words(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    title, body = MESSAGES[kind]
    return sentence(title, params)[:TITLE_MAX], sentence(body, params) if body is not None else ""


def notify_members(account: Account, *, kind: str, params: dict[str, Any] | None = None, link: str | None = None,
                   member: uuid.UUID | None = None) -> int:
    """Tell the members of `account` (or only `member`, while they are one) what `kind` of thing happened, with
    `params` for its words (a key of MESSAGES: each member reads it in their own language); one statement. When
    every member is told, ALERT_EMAIL (if set) gets it in English too.

    Joins the caller's unit of work: the notifications exist if and only if the change they report commits.
    """
    if kind not in MESSAGES:
        raise ValueError(f"No words for the notification kind {kind!r}: add it to notifications.MESSAGES")
    params = params or {}
    with force_locale("en"):
        title, body = _words(kind, params)
    now = utcnow()
    rows = select(func.gen_random_uuid(), literal(account.id), Membership.user_id, literal(kind), literal(title),
                  literal(body), literal(params, JSONB), literal(link), literal(False), literal(now),
                  literal(now)).where(Membership.account_id == account.id)
    if member is not None:
        rows = rows.where(Membership.user_id == member)
    created = db.session.execute(insert(Notification).from_select(
        ["id", "account_id", "user_id", "kind", "title", "body", "params", "link", "is_read", "created_at",
         "updated_at"], rows)).rowcount
    if member is None and current_app.config.get("ALERT_EMAIL"):
        enqueue_after_commit("messaging.send_alert", f"[{account.name}] {title}", body)
    return created


def notification_view(notification: Notification) -> RowView:
    """The notification with its `title` and `body` in the reader's language (stored words for rows without
    params, or of a kind no longer in MESSAGES)."""
    if notification.params is None or notification.kind not in MESSAGES:
        return RowView(notification)
    title, body = _words(notification.kind, notification.params)
    return RowView(notification, title=title, body=body)


def list_notifications(account: Account, user: User, *, page: int = 1, size: int = 10) -> Page:
    """The user's notifications in this account: unread first, newest first."""
    stmt = (select(Notification).where(Notification.user_id == user.id, Notification.account_id == account.id)
            .order_by(Notification.is_read, Notification.created_at.desc(), Notification.id))
    listed = paginate(stmt, page=page, size=size)
    listed.items = [notification_view(n) for n in listed.items]
    return listed


def unread_count(account: Account, user: User) -> int:
    """How many of the user's notifications in this account are unread: one count on the (user, account, is_read)
    index, cheap enough for the header of every page."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.account_id == account.id, Notification.is_read.is_(False)))


def get_notification(account: Account, user: User, notification_id) -> Notification:
    """One of the user's own notifications; someone else's is NotFound."""
    return get_owned(Notification, account, notification_id, Notification.user_id == user.id)


@unit_of_work
def mark_read(notification: Notification, *, actor: User) -> Notification:
    """Mark one notification read (again is harmless)."""
    if not notification.is_read:
        notification.is_read, notification.read_at = True, utcnow()
    return notification


@unit_of_work
def mark_all_read(account: Account, *, actor: User) -> int:
    """Mark every unread notification of the user in this account read; how many were."""
    return db.session.execute(update(Notification).where(
        Notification.user_id == actor.id, Notification.account_id == account.id, Notification.is_read.is_(False))
        .values(is_read=True, read_at=utcnow())).rowcount


def send_alert(subject: str, body: str) -> str | None:
    """Email ALERT_EMAIL (an operator's inbox) about something members were notified of; the provider's id."""
    to = current_app.config.get("ALERT_EMAIL")
    if not to:
        return None
    sender = current_app.config["SMTP_FROM"]
    data = plain_email(sender=sender, to=to, subject=subject, body=body or subject)
    with email_sender().session() as session:
        return session.send(sender=sender, to=to, data=data)
