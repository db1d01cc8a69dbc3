"""One batch of a send: skip who may not be reached, then claim, render, send and record it chunk by chunk.

Exactly-once intent: a message is claimed (queued → sending) by a conditional UPDATE before the provider call
and marked sent with the provider's id right after its chunk; a worker killed mid-batch leaves at most the
chunks it had claimed (PIPELINE_DEPTH of them) in `sending`, reclaimed after a lease (see resume_stalled_sends).

The chunks go through a pipeline (messaging_pipeline): a thread of its own renders and sends chunk k over the
provider session while this thread records chunk k-1 and claims chunk k+1. Per chunk the database sees one claim (the
frequency cap taken in the same statement), one write-back per outcome and one commit each, and the send row's
progress time at most every PROGRESS_EVERY seconds: two workers of one send do not queue on that row.
"""
from collections import deque
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
from app.services import message_events, messaging, messaging_claim
from app.services.activity import record_event
from app.services.dispatch import enqueue
from app.services.messaging_claim import Claim, give_back
from app.services.messaging_channels import UNREACHABLE, channel_for, free_form_languages
from app.services.messaging_fanout import batch_due_at
from app.services.messaging_pipeline import SendPipeline
from app.services.send_rate import SendRateLimiter, chunk_for

PROGRESS_EVERY = timedelta(seconds=10)  # far below the lease: a live send never looks stalled
# Messages handed to the sending thread at a time, and how many such chunks may be claimed at once: the next one
# is claimed and rendered while one goes out. A worker killed mid-batch leaves at most these in `sending`.
PIPELINE_CHUNK, PIPELINE_DEPTH = 100, 2


@dataclass(frozen=True)
class SendRef:
    """What the batch needs of its send, as plain values: ORM rows expire at every commit and would reload."""

    id: object
    campaign_id: object
    account_id: object
    channel: str
    events: frozenset = frozenset()  # the message.* webhook events the account's endpoints want (message_events)

    @classmethod
    def of(cls, send, *, events: frozenset = frozenset()) -> "SendRef":
        return cls(send.id, send.campaign_id, send.account_id, send.channel, events)


@dataclass
class ChunkResult:
    sent: list = field(default_factory=list)  # (message id, provider id)
    failed: list = field(default_factory=list)  # (message id, reason)
    bounced: list = field(default_factory=list)  # (message id, address, reason)
    done: set = field(default_factory=set)
    batch_no: int | None = None  # narrows the write-back to the batch's rows (see record)
    rows: dict = field(default_factory=dict)  # message id -> claimed row, for message.* webhook events


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
    skip = (update(Message).where(
        Message.campaign_id == send.campaign_id, Message.batch_no == batch_no, Message.status == MessageStatus.QUEUED,
        Customer.id == Message.customer_id, or_(*[condition for condition, _ in rules]))
        .values(status=MessageStatus.SKIPPED, reason=case(*rules), updated_at=func.now())
        .execution_options(synchronize_session=False))
    if "message.skipped" not in send.events:
        return db.session.execute(skip).rowcount
    skipped = db.session.execute(skip.returning(Message.id, Message.customer_id, Message.to_address,
                                                Message.reason)).all()
    _emit_skipped(send, skipped)
    return len(skipped)


def _emit_skipped(send: SendRef, rows) -> None:
    if "message.skipped" in send.events and rows:
        message_events.emit(send.account_id, {"message.skipped": [
            message_events.item(r.id, customer_id=r.customer_id, channel=send.channel, to=r.to_address,
                                reason=r.reason) for r in rows]}, campaign_id=send.campaign_id)


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
    # On the table, not the entity: the ORM's bulk-update path cost more Python time than the statement.
    messages = Message.__table__
    mine = [messages.c.campaign_id == send.campaign_id, messages.c.status == MessageStatus.SENDING]
    if result.batch_no is not None:
        mine.append(messages.c.batch_no == result.batch_no)
    if result.sent:
        v = _pairs(result.sent)
        db.session.execute(update(messages).where(messages.c.id == v.c.id, *mine)
                           .values(status=MessageStatus.SENT, provider_id=v.c.value, sent_at=now, reason=None,
                                   updated_at=now))
    failures = result.failed + [(mid, reason) for mid, _, reason in result.bounced]
    if failures:
        v = _pairs(failures)
        give_back(db.session.execute(update(messages).where(messages.c.id == v.c.id, *mine)
                                     .values(status=MessageStatus.FAILED, reason=v.c.value, failed_at=now,
                                             updated_at=now)
                                     .returning(messages.c.customer_id, messages.c.claimed_at)).all())
    if result.bounced:
        db.session.execute(pg_insert(Suppression).values([
            {"account_id": send.account_id, "channel": send.channel, "address": address, "reason": reason}
            for _, address, reason in result.bounced]).on_conflict_do_nothing())
    if getattr(send, "events", None):  # a SendRef knows them; a CampaignSend row (tests, tools) does not
        _emit_chunk(send, result)
    # Conditional and rare: every worker of the send would otherwise queue on this one row at each chunk.
    sends = CampaignSend.__table__
    db.session.execute(update(sends).where(
        sends.c.id == send.id, or_(sends.c.progress_at.is_(None), sends.c.progress_at < func.now() - PROGRESS_EVERY))
        .values(progress_at=now))


def _emit_chunk(send: SendRef, result: ChunkResult) -> None:
    """The chunk's message.sent, message.failed and message.bounced deliveries, in one statement."""
    def item(message_id, **more):
        row = result.rows.get(message_id)
        return message_events.item(message_id, customer_id=row and row.customer_id, channel=send.channel,
                                   to=row and row.to_address, **more)

    wanted = send.events
    message_events.emit(send.account_id, {
        "message.sent": [item(m, provider_id=p) for m, p in result.sent] if "message.sent" in wanted else [],
        "message.failed": [item(m, reason=r) for m, r in result.failed] if "message.failed" in wanted else [],
        "message.bounced": [item(m, reason=r) for m, _, r in result.bounced] if "message.bounced" in wanted else [],
    }, campaign_id=send.campaign_id)


def release(ids: list, *, reason: str, send: SendRef | None = None) -> None:
    """Messages claimed but not sent because of a temporary failure: back to queued, or failed after the last try;
    their slots under the frequency cap are given back either way (a retry takes one again)."""
    if not ids:
        return
    max_attempts = current_app.config["MESSAGING_MAX_ATTEMPTS"]
    now = utcnow()
    # claimed_at stays: it names the slot given back, and the next claim sets it afresh.
    released = db.session.execute(update(Message).where(
        Message.id.in_(ids), Message.status == MessageStatus.SENDING).values(
        status=case((Message.attempts >= max_attempts, MessageStatus.FAILED.value), else_=MessageStatus.QUEUED.value)
        .cast(Message.status.type),
        reason=case((Message.attempts >= max_attempts, f"Gave up after {max_attempts} attempts: {reason}"),
                     else_=f"Will retry: {reason}"),
        failed_at=case((Message.attempts >= max_attempts, now), else_=None), updated_at=now)
        .returning(Message.customer_id, Message.claimed_at, Message.id, Message.status, Message.to_address,
                   Message.reason)).all()
    give_back(released)
    if send is not None and "message.failed" in send.events:
        message_events.emit(send.account_id, {"message.failed": [
            message_events.item(r.id, customer_id=r.customer_id, channel=send.channel, to=r.to_address,
                                reason=r.reason) for r in released if r.status == MessageStatus.FAILED]},
            campaign_id=send.campaign_id)


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
    send = SendRef.of(row, events=message_events.wanted(row.account_id))
    account = db.session.get(Account, send.account_id)
    channel = channel_for(campaign, account)
    pipeline = SendPipeline(current_app._get_current_object(), channel, send_rows)  # connects meanwhile
    totals = {"sent": 0, "failed": 0, "skipped": 0}
    try:
        totals["skipped"] = skip_ineligible(send, campaign, batch_no)
        left = queued_in_batch(send, batch_no)  # tokens are asked for what is there: none taken for an empty claim
        db.session.commit()
        _send_chunks(send, batch_no, channel, pipeline, left, totals)
    except RetryableIntegrationError:
        raise
    except IntegrationError as exc:  # the provider refuses us as a whole (login refused): the send fails
        db.session.rollback()
        messaging.fail_send(db.session.get(CampaignSend, send.id), reason=str(exc))
        db.session.commit()
        return {"status": "failed", "reason": str(exc)}
    finally:
        pipeline.stop.set()  # on the way out by an error, what is handed over and not sent yet stays unsent
        pipeline.close()
    record_event(account, None, "messaging.batch_done", campaign, {"batch": batch_no, **totals})
    db.session.commit()  # its own transaction, so the log orders it before the completion (now() is per transaction)
    messaging.complete_send(db.session.get(CampaignSend, send.id))
    db.session.commit()
    return totals


def _send_chunks(send: SendRef, batch_no: int, channel, pipeline: SendPipeline, left: int, totals: dict) -> None:
    """While the pipeline renders and sends chunk k, record chunk k-1 and claim chunk k+1 in one transaction, then
    hand chunk k+1 over. Each chunk's tokens are taken before its claim and settled once it is out."""
    limiter = SendRateLimiter(send.account_id, send.channel)
    most = min(PIPELINE_CHUNK, chunk_for(limiter.rate, most=current_app.config["MESSAGING_BATCH_SIZE"]))
    inflight: deque = deque()  # (rows, result, future), in the order they are sent
    while left > 0 or inflight:
        # Tokens first: waiting for them must not hold the write-back's row locks.
        tokens = limiter.take(min(most, left)) if left > 0 else 0
        if len(inflight) == PIPELINE_DEPTH or (inflight and not tokens):
            _write_back(send, limiter, inflight, totals)
        rows = claim(send, batch_no, tokens) if tokens else None
        if rows is not None:
            totals["skipped"] += rows.capped
            _emit_skipped(send, rows.skipped)
        db.session.commit()
        if rows is None:
            continue
        # Nothing at all: a duplicate task of this batch holds the rest.
        left = left - len(rows) - rows.capped if rows or rows.capped else 0
        if not rows:
            limiter.settle(0, newest=True)
            continue
        result = ChunkResult(batch_no=batch_no, rows={r.id: r for r in rows} if send.events else {})
        inflight.append((rows, result, pipeline.submit(rows, result)))


def _write_back(send: SendRef, limiter: SendRateLimiter, inflight: deque, totals: dict) -> None:
    """Wait for the oldest chunk in flight and record it (the caller commits). On a failure (a temporary one, or
    anything unforeseen), what the chunks in flight sent is recorded, the rest released, and the failure raised:
    a message that went out is never left to be sent again."""
    rows, result, future = inflight.popleft()
    try:
        future.result()
    except Exception as exc:
        limiter.settle(len(result.done) + 1)  # the one that failed may have reached the server
        chunks = [(rows, result)]
        for later_rows, later_result, later in inflight:  # stopped: they send nothing more
            later.exception()
            limiter.settle(len(later_result.done))
            chunks.append((later_rows, later_result))
        for chunk_rows, chunk_result in chunks:
            record(send, chunk_result)
            release([r.id for r in chunk_rows if r.id not in chunk_result.done], reason=str(exc), send=send)
        db.session.commit()
        raise
    limiter.settle(len(rows))
    record(send, result)
    totals["sent"] += len(result.sent)
    totals["failed"] += len(result.failed) + len(result.bounced)


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


class _Rendering:
    """One row's rendering, done once: ahead of time, while the provider takes the message before it (`ahead`), or
    when it is needed (`value`). Whatever rendering ahead raised is raised by `value`: it is its own row's failure,
    not that of the message the provider was taking."""

    def __init__(self, channel, row):
        self.channel, self.row, self._value, self._error = channel, row, None, None

    def ahead(self) -> None:
        try:
            self._value = _prepare(self.channel, self.row)
        except Exception as exc:
            self._error = exc

    def value(self):
        if self._error is not None:
            raise self._error
        if self._value is None:
            self._value = _prepare(self.channel, self.row)
        return self._value


def send_rows(channel, session, rows: list, result: ChunkResult, stop=None) -> None:
    """Render and send claimed rows in order, noting each outcome, until `stop` is set; a temporary provider failure
    propagates. Each row is rendered while the provider takes the one before (an SMTP server reads the message and
    replies meanwhile), so rendering costs the connection no time of its own."""
    following = _Rendering(channel, rows[0]) if rows else None
    for n, row in enumerate(rows):
        if stop is not None and stop.is_set():
            return
        current = following
        following = _Rendering(channel, rows[n + 1]) if n + 1 < len(rows) else None
        _deliver(channel, session, row, current.value(), result, meanwhile=following and following.ahead)


def _deliver(channel, session, row, prepared, result: ChunkResult, meanwhile=None) -> None:
    payload, render_error = prepared
    if render_error is not None:
        result.failed.append((row.id, render_error))
        result.done.add(row.id)
        return
    try:
        provider_id = channel.deliver(session, row, payload, meanwhile)
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
    failed = db.session.execute(update(Message).where(
        Message.campaign_id == send.campaign_id, Message.batch_no == batch_no,
        Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]))
        .values(status=MessageStatus.FAILED, reason=f"Gave up: {reason}", failed_at=now, updated_at=now)
        .returning(Message.customer_id, Message.claimed_at, Message.id, Message.to_address)).all()
    give_back(failed)
    if "message.failed" in message_events.wanted(send.account_id):
        message_events.emit(send.account_id, {"message.failed": [
            message_events.item(r.id, customer_id=r.customer_id, channel=send.channel, to=r.to_address,
                                reason=f"Gave up: {reason}") for r in failed]}, campaign_id=send.campaign_id)
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
