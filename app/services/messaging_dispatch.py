"""One batch of a send: skip who may not be reached, claim a chunk, send through the provider, record, repeat.

Exactly-once intent: a message is claimed (queued → sending) by a conditional UPDATE before the provider call
and marked sent with the provider's id right after its chunk; a worker killed mid-chunk leaves at most that
chunk in `sending`, reclaimed after a lease (see resume_stalled_sends).

Per chunk (as many messages as the rate limiter grants at once, up to a batch) the database sees one claim, one
write-back per outcome and one commit each, and the send row's progress time at most every PROGRESS_EVERY seconds:
two workers of one send do not queue on that row.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError
from sqlalchemy import Text, and_, bindparam, case, cast, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert as pg_insert
from sqlalchemy.sql.selectable import TableValuedAlias

from app.extensions import db
from app.integrations import IntegrationError, RetryableIntegrationError
from app.models import (
    Account, Campaign, CampaignSend, CampaignStatus, Customer, Message, MessageStatus, SendStatus, Suppression,
    WhatsAppWindow, utcnow,
)
from app.services import messaging, messaging_claim
from app.services.activity import record_event
from app.services.dispatch import enqueue
from app.services.messaging_claim import Claim, give_back
from app.services.messaging_channels import UNREACHABLE, channel_for, free_form_languages
from app.services.messaging_fanout import batch_due_at
from app.services.send_rate import SendRateLimiter, chunk_for

PROGRESS_EVERY = timedelta(seconds=10)  # far below the lease: a live send never looks stalled


@dataclass(frozen=True)
class SendRef:
    """What the batch needs of its send, as plain values: ORM rows expire at every commit and would reload."""

    id: object
    campaign_id: object
    account_id: object
    channel: str

    @classmethod
    def of(cls, send) -> "SendRef":
        return cls(send.id, send.campaign_id, send.account_id, send.channel)


@dataclass
class ChunkResult:
    sent: list = field(default_factory=list)  # (message id, provider id)
    failed: list = field(default_factory=list)  # (message id, reason)
    bounced: list = field(default_factory=list)  # (message id, address, reason)
    done: set = field(default_factory=set)
    batch_no: int | None = None  # narrows the write-back to the batch's rows (see record)


def skip_ineligible(send: CampaignSend, campaign: Campaign, batch_no: int) -> int:
    """Queued messages of the batch whose customer may not get them now: withdrawn consent, a suppressed
    address, or (WhatsApp free-form) no open 24-hour window. Skipped with the reason, in one statement. (The
    frequency cap is taken by the claim itself: see messaging_claim.)"""
    consent = getattr(Customer, f"{send.channel}_consent")
    suppressed = exists().where(Suppression.account_id == Message.account_id, Suppression.channel == send.channel,
                                Suppression.address == Message.to_address)
    rules = [
        (consent.is_not(True), f"No {send.channel} consent (the customer unsubscribed or never agreed)."),
        (suppressed, "The address is suppressed after a hard bounce or a permanent provider error."),
    ]
    free_form = free_form_languages(campaign.content) if send.channel == "whatsapp" else []
    if free_form:
        # WhatsApp takes free-form text only within 24 hours of the customer's last message; outside it, skip here
        # rather than fail at Twilio (a business-initiated message needs an approved template).
        in_window = exists().where(WhatsAppWindow.customer_id == Message.customer_id,
                                   WhatsAppWindow.last_inbound_at > func.now() - timedelta(days=1))
        rules.append((and_(Message.language.in_(free_form), ~in_window),
                      "Outside the customer's 24-hour WhatsApp window: free-form text needs an approved template."))
    # A customer deleted while the fan-out ran leaves messages its delete trigger could not see: they go too.
    db.session.execute(delete(Message).where(
        Message.campaign_id == send.campaign_id, Message.status == MessageStatus.QUEUED, Message.batch_no == batch_no,
        ~exists().where(Customer.id == Message.customer_id)).execution_options(synchronize_session=False))
    return db.session.execute(update(Message).where(
        Message.campaign_id == send.campaign_id, Message.batch_no == batch_no, Message.status == MessageStatus.QUEUED,
        Customer.id == Message.customer_id, or_(*[condition for condition, _ in rules]))
        .values(status=MessageStatus.SKIPPED, reason=case(*rules), updated_at=func.now())
        .execution_options(synchronize_session=False)).rowcount


def claim(send: CampaignSend, batch_no: int, count: int) -> Claim:
    """Claim up to `count` queued messages of the batch (queued → sending) with what rendering needs; those whose
    customer is at the frequency cap are skipped with the reason instead (see messaging_claim)."""
    return messaging_claim.claim(campaign_id=send.campaign_id, account_id=send.account_id, batch_no=batch_no,
                                 count=count, cap=current_app.config["MAX_MESSAGES_PER_CUSTOMER_PER_DAY"])


def _pairs(pairs: list) -> TableValuedAlias:
    """`unnest(:ids, :values) AS v(id, value)`: a chunk's (message id, text) pairs as two array parameters, so the
    statement is the same, and compiled once, whatever the chunk's size (a VALUES list is compiled every time)."""
    ids = bindparam(None, [str(pair[0]) for pair in pairs], type_=ARRAY(Text))
    texts = bindparam(None, [pair[1] for pair in pairs], type_=ARRAY(Text))
    return func.unnest(cast(ids, ARRAY(UUID(as_uuid=True))), texts).table_valued("id", "value") \
        .render_derived(name="v")


def record(send: CampaignSend, result: ChunkResult) -> None:
    """Write a chunk's outcome back: one UPDATE … FROM unnest(…) per outcome, not one per message."""
    now = utcnow()
    # The campaign and batch beside the ids: with only `status = 'sending'` next to the join, statistics taken when
    # nothing was in flight make the planner scan every in-flight message once per id (a 500-message chunk took
    # 100 ms instead of a hash join's 1 ms). No ORM session synchronisation: nothing here is loaded as an object.
    mine = [Message.campaign_id == send.campaign_id, Message.status == MessageStatus.SENDING]
    if result.batch_no is not None:
        mine.append(Message.batch_no == result.batch_no)
    if result.sent:
        v = _pairs(result.sent)
        db.session.execute(update(Message).where(Message.id == v.c.id, *mine)
                           .values(status=MessageStatus.SENT, provider_id=v.c.value, sent_at=now, reason=None,
                                   updated_at=now).execution_options(synchronize_session=False))
    failures = result.failed + [(mid, reason) for mid, _, reason in result.bounced]
    if failures:
        v = _pairs(failures)
        give_back(db.session.execute(update(Message).where(Message.id == v.c.id, *mine)
                                     .values(status=MessageStatus.FAILED, reason=v.c.value, failed_at=now,
                                             updated_at=now)
                                     .returning(Message.customer_id, Message.claimed_at)
                                     .execution_options(synchronize_session=False)).all())
    if result.bounced:
        db.session.execute(pg_insert(Suppression).values([
            {"account_id": send.account_id, "channel": send.channel, "address": address, "reason": reason}
            for _, address, reason in result.bounced]).on_conflict_do_nothing())
    # Conditional and rare: every worker of the send would otherwise queue on this one row at each chunk.
    db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send.id, or_(CampaignSend.progress_at.is_(None),
                                        CampaignSend.progress_at < func.now() - PROGRESS_EVERY))
        .values(progress_at=now))


def release(ids: list, *, reason: str) -> None:
    """Messages claimed but not sent because of a temporary failure: back to queued, or failed after the last try;
    their slots under the frequency cap are given back either way (a retry takes one again)."""
    if not ids:
        return
    max_attempts = current_app.config["MESSAGING_MAX_ATTEMPTS"]
    now = utcnow()
    # claimed_at stays: it names the slot given back, and the next claim sets it afresh.
    give_back(db.session.execute(update(Message).where(Message.id.in_(ids), Message.status == MessageStatus.SENDING).values(
        status=case((Message.attempts >= max_attempts, MessageStatus.FAILED.value), else_=MessageStatus.QUEUED.value)
        .cast(Message.status.type),
        reason=case((Message.attempts >= max_attempts, f"Gave up after {max_attempts} attempts: {reason}"),
                     else_=f"Will retry: {reason}"),
        failed_at=case((Message.attempts >= max_attempts, now), else_=None), updated_at=now)
        .returning(Message.customer_id, Message.claimed_at)).all())


def send_batch(send_id: str, batch_no: int) -> dict:
    """Send one batch of a send; safe to run twice (only queued messages are claimed)."""
    row = db.session.get(CampaignSend, send_id)
    if row is None or row.status != SendStatus.SENDING:
        return {"status": row.status.value if row else "missing"}
    campaign = db.session.get(Campaign, row.campaign_id)
    if campaign.deleted_at is not None or campaign.status == CampaignStatus.CANCELLED.value:
        messaging.cancel_send(row, reason=f"The campaign was {'deleted' if campaign.deleted_at else 'cancelled'}.")
        db.session.commit()
        return {"status": "cancelled"}
    due = batch_due_at(row, batch_no)
    if due is not None and due > utcnow():  # an ETA a little early: come back at the due time, send nothing now
        enqueue("messaging.send_batch", str(row.id), batch_no, eta=due)
        return {"status": "early", "due_at": due.isoformat()}
    send = SendRef.of(row)
    account = db.session.get(Account, send.account_id)
    channel = channel_for(campaign, account)
    skipped = skip_ineligible(send, campaign, batch_no)
    left = queued_in_batch(send, batch_no)  # tokens are asked for what is there: none taken for an empty claim
    db.session.commit()
    limiter = SendRateLimiter(send.account_id, send.channel)
    most = chunk_for(limiter.rate, most=current_app.config["MESSAGING_BATCH_SIZE"])
    totals = {"sent": 0, "failed": 0, "skipped": skipped}
    try:
        with channel.session() as session:
            while left > 0:
                rows = claim(send, batch_no, limiter.take(min(most, left)))
                db.session.commit()
                totals["skipped"] += rows.capped
                if not rows:
                    limiter.settle(0)
                    if not rows.capped:  # a duplicate task of this batch holds the rest
                        break
                left -= len(rows) + rows.capped
                if not rows:
                    continue
                result = ChunkResult(batch_no=batch_no)
                try:
                    send_chunk(channel, session, rows, result)
                except RetryableIntegrationError as exc:
                    limiter.settle(len(result.done) + 1)  # the one that failed may have reached the server
                    record(send, result)
                    release([r.id for r in rows if r.id not in result.done], reason=str(exc))
                    db.session.commit()
                    raise
                limiter.settle(len(rows))
                record(send, result)
                db.session.commit()
                totals["sent"] += len(result.sent)
                totals["failed"] += len(result.failed) + len(result.bounced)
    except RetryableIntegrationError:
        raise
    except IntegrationError as exc:  # the provider refuses us as a whole (login refused): the send fails
        db.session.rollback()
        messaging.fail_send(db.session.get(CampaignSend, send.id), reason=str(exc))
        db.session.commit()
        return {"status": "failed", "reason": str(exc)}
    record_event(account, None, "messaging.batch_done", campaign, {"batch": batch_no, **totals})
    db.session.commit()  # its own transaction, so the log orders it before the completion (now() is per transaction)
    messaging.complete_send(db.session.get(CampaignSend, send.id))
    db.session.commit()
    return totals


def queued_in_batch(send, batch_no: int) -> int:
    """How many of the batch's messages are still queued."""
    return db.session.scalar(select(func.count()).where(
        Message.campaign_id == send.campaign_id, Message.status == MessageStatus.QUEUED, Message.batch_no == batch_no))


def _prepare(channel, row):
    """The rendered message, or why it cannot be rendered (the message fails with that reason, the batch goes on)."""
    try:
        return channel.prepare(row), None
    except (TemplateError, SecurityError, ValueError) as exc:
        return None, f"The content could not be rendered: {exc}"


def send_chunk(channel, session, rows, result: ChunkResult) -> None:
    """Render and send claimed rows in order, noting each outcome; a temporary provider failure propagates."""
    for row in rows:
        _deliver(channel, session, row, _prepare(channel, row), result)


def send_one(channel, session, row, result: ChunkResult) -> None:
    """Render and send one claimed message, noting the outcome; a temporary provider failure propagates."""
    _deliver(channel, session, row, _prepare(channel, row), result)


def _deliver(channel, session, row, prepared, result: ChunkResult) -> None:
    payload, render_error = prepared
    if render_error is not None:
        result.failed.append((row.id, render_error))
        result.done.add(row.id)
        return
    try:
        provider_id = channel.deliver(session, row, payload)
    except UNREACHABLE as exc:
        result.bounced.append((row.id, row.to_address, f"Unreachable, address suppressed: {exc}"))
    except RetryableIntegrationError:
        raise
    except IntegrationError as exc:
        result.failed.append((row.id, f"Refused by the provider: {exc}"))
    else:
        result.sent.append((row.id, provider_id))
    result.done.add(row.id)


def fail_batch(send_id: str, batch_no: int, *, reason: str) -> None:
    """The batch's retries are spent: what is still queued or in flight fails with the last reason."""
    db.session.rollback()
    now = utcnow()
    send = db.session.get(CampaignSend, send_id)
    # Queued messages released earlier gave their slots back already; giving one back twice finds nothing.
    give_back(db.session.execute(update(Message).where(
        Message.campaign_id == send.campaign_id, Message.batch_no == batch_no,
        Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]))
        .values(status=MessageStatus.FAILED, reason=f"Gave up: {reason}", failed_at=now, updated_at=now)
        .returning(Message.customer_id, Message.claimed_at)).all())
    campaign = db.session.get(Campaign, send.campaign_id)
    record_event(campaign.account, None, "messaging.batch_failed", campaign, {"batch": batch_no, "reason": reason})
    messaging.complete_send(send)
    db.session.commit()


def resume_stalled_sends() -> dict:
    """Beat: sends whose workers made no progress for a lease get their in-flight messages back and their
    unfinished released batches enqueued again (a duplicate batch task is harmless: claims are conditional)."""
    cutoff = utcnow() - messaging.lease()
    stalled = db.session.scalars(select(CampaignSend).where(
        CampaignSend.status == SendStatus.SENDING, CampaignSend.progress_at < cutoff)).all()
    resumed = 0
    for send in stalled:
        give_back(db.session.execute(update(Message).where(
            Message.campaign_id == send.campaign_id, Message.status == MessageStatus.SENDING,
            Message.claimed_at < cutoff).values(status=MessageStatus.QUEUED, updated_at=func.now())
            .returning(Message.customer_id, Message.claimed_at)).all())
        # Only batches already handed to workers: a local-time send's later waves wait for their time.
        batches = db.session.scalars(select(Message.batch_no).distinct().where(
            Message.campaign_id == send.campaign_id, Message.status == MessageStatus.QUEUED,
            Message.batch_no < send.released_batches)).all()
        send.progress_at = utcnow()
        if not batches:
            messaging.complete_send(send)
        db.session.commit()
        for batch_no in batches:
            enqueue("messaging.send_batch", str(send.id), batch_no)
        resumed += len(batches)
    return {"sends": len(stalled), "batches": resumed}
