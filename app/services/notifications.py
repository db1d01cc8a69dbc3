"""Notifications for an account's members; the one function every domain calls to tell them something."""
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import func, insert, literal, select, update

from app.extensions import db
from app.integrations.email import email_sender
from app.models import Account, Membership, Notification, User, utcnow
from app.services import get_owned, unit_of_work
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate


def notify_members(account: Account, *, kind: str, title: str, body: str = "", link: str | None = None) -> int:
    """One notification per member of `account` (one statement), and an email to ALERT_EMAIL if it is set.

    Joins the caller's unit of work: the notifications exist if and only if the change they report commits.
    """
    now = utcnow()
    rows = select(func.gen_random_uuid(), literal(account.id), Membership.user_id, literal(kind), literal(title[:200]),
                  literal(body), literal(link), literal(False), literal(now), literal(now)).where(
        Membership.account_id == account.id)
    created = db.session.execute(insert(Notification).from_select(
        ["id", "account_id", "user_id", "kind", "title", "body", "link", "is_read", "created_at", "updated_at"],
        rows)).rowcount
    if current_app.config.get("ALERT_EMAIL"):
        enqueue_after_commit("messaging.send_alert", f"[{account.name}] {title}", body)
    return created


def list_notifications(account: Account, user: User, *, page: int = 1, size: int = 10) -> Page:
    """The user's notifications in this account: unread first, newest first."""
    stmt = (select(Notification).where(Notification.user_id == user.id, Notification.account_id == account.id)
            .order_by(Notification.is_read, Notification.created_at.desc(), Notification.id))
    return paginate(stmt, page=page, size=size)


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
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = current_app.config["SMTP_FROM"], to, subject
    message.set_content(body or subject)
    with email_sender().session() as session:
        return session.send(sender=current_app.config["SMTP_FROM"], to=to, data=message.as_bytes())
