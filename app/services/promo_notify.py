"""Who a promo reaches (behaviour, consent, distance to the store) and notifying them once a day per promo.

Eligibility is one statement: the customers of the account whose behaviour matches the audience, who consented to
the promo's channel and have an address for it, and whose location is within the radius of the store
(`ST_DWithin` on the native geography column, served by its GiST index). Notifying is one
`INSERT … SELECT … ON CONFLICT DO NOTHING` into the log, whose unique (customer, promo, day) key is the anti-spam
rule; then the rows are sent through the messaging providers and the shared send-rate limiter.
"""
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.integrations.email import email_sender, plain_email
from app.integrations.whatsapp import whatsapp_sender
from app.models import (
    Account, Customer, FlashPromo, NotificationLog, NotificationStatus, PromoAudience, PromoChannel, PromoStatus,
    Reservation, ReservationStatus, Store, Suppression, WhatsAppWindow, utcnow,
)
from app.services.customers import behaviour_clause
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate
from app.services.send_rate import SendRateLimiter, chunk_for

ADDRESS = {PromoChannel.EMAIL: Customer.email, PromoChannel.WHATSAPP: Customer.phone}
BANDS = (500, 1000, 2000, 5000)  # metres: the distance columns of the audience preview


def eligible_query(promo: FlashPromo):
    """(customer id, distance in metres) of every customer the promo may notify now; one statement."""
    return eligible_for(promo.account_id, promo.store_id, radius_m=promo.radius_m, audience=promo.audience,
                        channel=promo.channel)


def eligible_for(account_id, store_id, *, radius_m: int, audience: PromoAudience, channel: PromoChannel):
    """The eligibility statement for given parameters (the scheduler previews a promo before it exists)."""
    # The store's point as a one-row subquery (an InitPlan): a constant to the planner, so the GiST index on
    # customers.location serves ST_DWithin; the column stays geography, so distances are metres on the spheroid.
    store_location = select(Store.location).where(Store.id == store_id).scalar_subquery()
    stmt = select(Customer.id, func.ST_Distance(Customer.location, store_location).label("distance")).where(
        Customer.account_id == account_id,
        func.ST_DWithin(Customer.location, store_location, radius_m),
        getattr(Customer, f"{PromoChannel(channel).value}_consent").is_(True))
    if audience != PromoAudience.ALL:
        stmt = stmt.where(behaviour_clause(PromoAudience(audience).value))
    if channel in ADDRESS:
        stmt = stmt.where(ADDRESS[channel].is_not(None))
    return stmt


def audience_preview(account: Account, store: Store, *, radius_m: int, audience: str, channel: str) -> dict:
    """How many customers a promo would notify, by behaviour and by distance band (one aggregate)."""
    stmt = eligible_for(account.id, store.id, radius_m=radius_m, audience=PromoAudience(audience),
                        channel=PromoChannel(channel)).subquery()
    new, frequent = behaviour_clause("new"), behaviour_clause("frequent")
    bands = [b for b in BANDS if b < radius_m] + [radius_m]
    row = db.session.execute(select(
        func.count(), func.count().filter(new), func.count().filter(frequent),
        *[func.count().filter(stmt.c.distance <= band) for band in bands],
    ).select_from(stmt.join(Customer, Customer.id == stmt.c.id))).one()
    total, new_count, frequent_count = row[0], row[1], row[2]
    return {"total": total, "by_behaviour": {"new": new_count, "frequent": frequent_count,
                                             "returning": total - new_count - frequent_count},
            "by_distance": [{"within_m": band, "count": row[3 + i]} for i, band in enumerate(bands)]}


def local_day(store_timezone: str):
    """Today in the store's time zone: the day of 'at most once a day'."""
    return utcnow().astimezone(ZoneInfo(store_timezone or "UTC")).date()


def notify_promo(promo_id: str) -> int:
    """Log today's notification for every eligible customer not notified today and not already reserving, in one
    INSERT … SELECT … ON CONFLICT DO NOTHING; push is sent (simulated) in the same transaction, email and WhatsApp
    by the promos.send_notifications task after commit. How many were new."""
    promo = db.session.get(FlashPromo, promo_id)
    if promo is None or promo.status == PromoStatus.CANCELLED:
        return 0
    now = utcnow()
    if not promo.starts_at <= now < promo.ends_at:
        return 0
    store = db.session.get(Store, promo.store_id)
    eligible = eligible_query(promo).subquery()
    reserving = exists().where(Reservation.promo_id == promo.id, Reservation.customer_id == eligible.c.id,
                               Reservation.status.in_([ReservationStatus.HELD, ReservationStatus.CONFIRMED]))
    address = ADDRESS.get(promo.channel)
    rows = (select(literal(promo.account_id), literal(promo.id), eligible.c.id, literal(local_day(store.timezone)),
                   literal(promo.channel.value).cast(NotificationLog.channel.type),
                   address if address is not None else literal(None),
                   func.round(eligible.c.distance), literal(NotificationStatus.QUEUED.value)
                   .cast(NotificationLog.status.type))
            .select_from(eligible.join(Customer, Customer.id == eligible.c.id)).where(~reserving))
    created = db.session.execute(pg_insert(NotificationLog).from_select(
        ["account_id", "promo_id", "customer_id", "sent_on", "channel", "to_address", "distance_m", "status"], rows)
        .on_conflict_do_nothing(constraint="uq_notification_logs_customer_promo_day")).rowcount
    if promo.channel == PromoChannel.PUSH:
        # Simulated: logged as sent with a local id; there is no push provider.
        sent = db.session.execute(update(NotificationLog).where(*_queued(promo)).values(
            status=NotificationStatus.SENT, sent_at=func.now(),
            provider_id=func.concat("push:", NotificationLog.id))).rowcount
        current_app.logger.info("promo %s: %s push notifications (simulated)", promo.id, sent)
    else:
        enqueue_after_commit("promos.send_notifications", str(promo.id))
    db.session.commit()
    return created


def _queued(promo: FlashPromo) -> tuple:
    return NotificationLog.promo_id == promo.id, NotificationLog.status == NotificationStatus.QUEUED


def _message(promo: FlashPromo) -> tuple[str, str]:
    store = db.session.get(Store, promo.store_id)
    local_end = promo.ends_at.astimezone(ZoneInfo(store.timezone or "UTC"))
    subject = f"Flash promo at {store.name}: {promo.title} for {promo.promo_price}"
    return subject, f"{subject}, until {local_end:%H:%M} ({store.timezone}). Reserve yours before it runs out."


def send_notifications(promo_id: str, *, seconds: float = 240.0) -> dict:
    """Send a promo's queued email or WhatsApp notifications through the configured providers at the account's
    send rate (the shared limiter); suppressed addresses and closed WhatsApp windows are skipped with the reason.
    Rows are claimed queued → sending before the provider call, so a second run sends nothing twice. After
    `seconds` it stops and answers `more`; a temporary provider failure puts the chunk back and propagates
    (RetryableIntegrationError) for the task to retry later."""
    promo = db.session.get(FlashPromo, promo_id)
    if promo is None or promo.channel == PromoChannel.PUSH:
        return {"sent": 0, "failed": 0, "more": False}
    _skip_unreachable(promo)
    db.session.commit()
    subject, body = _message(promo)
    limiter = SendRateLimiter(promo.account_id, promo.channel.value)
    totals = {"sent": 0, "failed": 0, "more": False}
    deadline = time.monotonic() + seconds
    sender = email_sender() if promo.channel == PromoChannel.EMAIL else whatsapp_sender()
    with sender.session() as session:
        while True:
            if time.monotonic() > deadline:
                totals["more"] = db.session.scalar(select(exists().where(*_queued(promo))))
                return totals
            ids = (select(NotificationLog.id).where(*_queued(promo)).limit(limiter.take(chunk_for(limiter.rate)))
                   .with_for_update(skip_locked=True).scalar_subquery())
            rows = db.session.execute(update(NotificationLog).where(NotificationLog.id.in_(ids))
                                      .values(status=NotificationStatus.SENDING)
                                      .returning(NotificationLog.id, NotificationLog.to_address)).all()
            db.session.commit()
            if not rows:
                return totals
            done = set()
            try:
                for log_id, to in rows:
                    _send_one(promo, session, log_id, to, subject, body, totals)
                    done.add(log_id)
            finally:
                # A temporary failure: what this chunk did not send goes back to the queue for the retry.
                left = [log_id for log_id, _to in rows if log_id not in done]
                if left:
                    db.session.execute(update(NotificationLog).where(
                        NotificationLog.id.in_(left), NotificationLog.status == NotificationStatus.SENDING)
                        .values(status=NotificationStatus.QUEUED))
                db.session.commit()


def _send_one(promo, session, log_id, to, subject, body, totals) -> None:
    try:
        if promo.channel == PromoChannel.EMAIL:
            sender = current_app.config["SMTP_FROM"]
            provider_id = session.send(sender=sender, to=to,
                                       data=plain_email(sender=sender, to=to, subject=subject, body=body))
        else:
            provider_id = session.send(to=to, body=body)
    except RetryableIntegrationError:
        raise
    except IntegrationError as exc:
        values = {"status": NotificationStatus.FAILED, "reason": f"Refused by the provider: {exc}"}
        totals["failed"] += 1
    else:
        values = {"status": NotificationStatus.SENT, "provider_id": provider_id, "sent_at": func.now()}
        totals["sent"] += 1
    db.session.execute(update(NotificationLog).where(NotificationLog.id == log_id).values(**values))


def fail_queued(promo_id: str, *, reason: str) -> int:
    """The send's retries are spent: what is still queued fails with the last reason."""
    db.session.rollback()
    failed = db.session.execute(update(NotificationLog).where(
        NotificationLog.promo_id == promo_id, NotificationLog.status == NotificationStatus.QUEUED)
        .values(status=NotificationStatus.FAILED, reason=f"Gave up: {reason}")).rowcount
    db.session.commit()
    return failed


def _skip_unreachable(promo: FlashPromo) -> int:
    suppressed = exists().where(Suppression.account_id == NotificationLog.account_id,
                                Suppression.channel == promo.channel.value,
                                Suppression.address == NotificationLog.to_address)
    rules = [(suppressed, "The address is suppressed after a hard bounce or a permanent provider error.")]
    if promo.channel == PromoChannel.WHATSAPP:
        # Promo text is free-form: WhatsApp takes it only within 24 hours of the customer's last message.
        window = exists().where(WhatsAppWindow.customer_id == NotificationLog.customer_id,
                                WhatsAppWindow.last_inbound_at > func.now() - timedelta(days=1))
        rules.append((~window, "Outside the customer's 24-hour WhatsApp window."))
    return db.session.execute(update(NotificationLog).where(
        NotificationLog.promo_id == promo.id, NotificationLog.status == NotificationStatus.QUEUED,
        or_(*[c for c, _ in rules])).values(status=NotificationStatus.SKIPPED, reason=case(*rules))).rowcount


def list_notifications(promo: FlashPromo, *, page: int = 1, size: int = 10, status: str | None = None) -> Page:
    """Who the promo notified, when, how far from the store, and the outcome; newest first."""
    stmt = select(NotificationLog).where(NotificationLog.promo_id == promo.id,
                                         NotificationLog.account_id == promo.account_id)
    if status:
        stmt = stmt.where(NotificationLog.status == NotificationStatus(status))
    return paginate(stmt.order_by(NotificationLog.created_at.desc(), NotificationLog.id.desc()), page=page,
                    size=size)
