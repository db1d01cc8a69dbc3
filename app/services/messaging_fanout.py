"""Fan-out: one INSERT … SELECT of a send's messages, and handing its batches to workers when they fall due.

What a million-row fan-out costs here, and what this statement does about it (bench/messaging.py, README):
- the eligible customers are read once by a sequential scan into a MATERIALIZED CTE and numbered in customer-id
  order, so the unique (campaign_id, customer_id) index and the (campaign_id, status, batch_no) index are filled
  in key order (random-order inserts into them cost more than the rows themselves);
- message ids are UUIDv7 (a millisecond time, random bits per fan-out, then the row's number): the primary key is
  filled in order too, where gen_random_uuid() scattered a million inserts over the whole index;
- messages have no foreign keys (their per-row trigger checks were half of the time; migration 0015);
- the sort gets `work_mem` enough to stay in memory.

Local time: each message is due at the send's wall-clock time in the customer's zone (the account's when the
customer has none or one PostgreSQL does not know): `(wall time) AT TIME ZONE zone`, computed in the statement.
PostgreSQL resolves a wall time that a DST change skips or repeats by its documented rule, which is the later of
the two readings in both cases: a skipped 02:30 becomes 03:30 of the new offset (the clocks' jump moves it
forward), a repeated 01:30 is the second one (standard time). Messages are numbered by (due time, customer), so
each batch holds messages of one due time, and the send keeps its waves (due time, first batch, batches).
"""
import math
import os
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    BigInteger, DateTime, case, cast, exists, func, insert, literal, select, text, type_coerce, update,
)
from sqlalchemy.dialects.postgresql import UUID

from app.extensions import db
from app.models import Campaign, CampaignSend, Channel, Customer, Message, MessageStatus, SendStatus, Suppression, utcnow
from app.services import segments
from app.services.dispatch import enqueue_many_after_commit

FAN_OUT_WORK_MEM = "128MB"  # a million (id, language, address) rows sort in memory
# The first moment any zone reaches a wall-clock time is 14 hours before UTC does (UTC+14, Pacific/Kiritimati).
EARLIEST_OFFSET = timedelta(hours=14)
# Batches due this soon are handed to workers now with that time as their ETA; beat looks every minute.
LOOKAHEAD = timedelta(seconds=90)


def local_start(send_at: datetime, zone: str) -> datetime:
    """When a local-time send starts: the first moment any zone reaches send_at's wall-clock time in `zone`."""
    from zoneinfo import ZoneInfo

    wall = send_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return (wall - EARLIEST_OFFSET).replace(tzinfo=timezone.utc)


def _uuid7_prefix() -> str:
    """24 of a UUIDv7's 32 hex digits: milliseconds, version 7, random bits, the variant; the row's number follows."""
    ms = int(time.time() * 1000)
    rand = int.from_bytes(os.urandom(5), "big")
    rand_a, rand_b = rand >> 28, rand & 0xFFFFFFF  # 12 bits, 28 bits
    return f"{ms:012x}7{rand_a:03x}{0x8 | (rand_b >> 26):x}{rand_b & 0x3FFFFFF:07x}"


def fan_out(campaign: Campaign, send: CampaignSend) -> int:
    """One INSERT … SELECT of a queued Message per eligible customer (consent, an address, not suppressed), with
    its language (the customer's if the content has it, else the account's, else the first) and its batch number.
    For a local-time send, also each message's due time, and the send's waves."""
    account = campaign.account
    segment_id = (campaign.audience or {}).get("segment_id")
    segment = segments.get_segment(account, segment_id) if segment_id else None
    channel = campaign.channel
    address = Customer.email if channel == Channel.EMAIL.value else Customer.phone
    languages = list(campaign.content)
    fallback = account.language if account.language in languages else languages[0]
    columns = [Customer.id.label("customer_id"),
               case((Customer.language.in_(languages), Customer.language), else_=literal(fallback)).label("language"),
               address.label("to_address")]
    if send.local_time:
        columns.append(_due_at(send, account.timezone).label("due_at"))
    eligible = (segments.eligible_customers_query(account, segment, channel).with_only_columns(*columns)
                .where(~exists().where(Suppression.account_id == account.id, Suppression.channel == channel,
                                       Suppression.address == address))
                .cte("eligible").prefix_with("MATERIALIZED"))
    size = send.batch_size
    if send.local_time:
        numbered = _numbered_by_wave(eligible, size)
    else:
        n = type_coerce(func.row_number().over(order_by=eligible.c.customer_id), BigInteger) - 1
        numbered = select(eligible, n.label("n"), (n // size).label("batch_no")).subquery("numbered")
    now = utcnow()
    message_id = cast(literal(_uuid7_prefix()) + func.lpad(func.to_hex(numbered.c.n), 8, "0"), UUID)
    names = ["id", "account_id", "campaign_id", "customer_id", "channel", "language", "to_address", "batch_no",
             "status", "created_at", "updated_at"]
    values = [message_id, literal(account.id, UUID), literal(campaign.id, UUID), numbered.c.customer_id,
              literal(channel), numbered.c.language, numbered.c.to_address, numbered.c.batch_no,
              literal(MessageStatus.QUEUED.value), literal(now), literal(now)]
    if send.local_time:
        names.append("due_at")
        values.append(numbered.c.due_at)
    # Until the transaction ends. JIT compiling this one statement took 0.6 s and saved nothing measurable.
    db.session.execute(text(f"SET LOCAL work_mem = '{FAN_OUT_WORK_MEM}'"))
    db.session.execute(text("SET LOCAL jit = off"))
    total = db.session.execute(insert(Message).from_select(names, select(*values))).rowcount
    send.total = total
    if send.local_time:
        send.waves = _waves(send)
        send.batches = sum(wave["batches"] for wave in send.waves)
    else:
        send.batches = math.ceil(total / size)
    return total


def _due_at(send: CampaignSend, account_zone: str):
    """(send_at's wall-clock time in the send's zone) AT TIME ZONE (the customer's zone, else the account's)."""
    from zoneinfo import ZoneInfo

    wall = send.send_at.astimezone(ZoneInfo(send.timezone)).replace(tzinfo=None)
    known = Customer.timezone.in_(select(text("name")).select_from(text("pg_timezone_names")))
    zone = case((known, Customer.timezone), else_=literal(account_zone or "UTC"))
    return func.timezone(zone, literal(wall, DateTime(timezone=False)))


def _numbered_by_wave(eligible, size: int):
    """Rows numbered by (due time, customer); batch numbers run wave after wave, so no batch spans two due times."""
    per_wave = func.ceil(func.count() / float(size))
    waves = select(eligible.c.due_at, (func.sum(per_wave).over(order_by=eligible.c.due_at) - per_wave)
                   .label("first_batch")).group_by(eligible.c.due_at).subquery("waves")
    n = type_coerce(func.row_number().over(order_by=(eligible.c.due_at, eligible.c.customer_id)), BigInteger) - 1
    within = type_coerce(func.row_number().over(partition_by=eligible.c.due_at, order_by=eligible.c.customer_id),
                         BigInteger) - 1
    batch_no = cast(waves.c.first_batch, BigInteger) + within // size
    return (select(eligible, n.label("n"), batch_no.label("batch_no"))
            .join_from(eligible, waves, eligible.c.due_at == waves.c.due_at).subquery("numbered"))


def _waves(send: CampaignSend) -> list[dict]:
    rows = db.session.execute(select(
        Message.due_at, func.min(Message.batch_no), func.max(Message.batch_no), func.count())
        .where(Message.campaign_id == send.campaign_id).group_by(Message.due_at).order_by(Message.due_at)).all()
    return [{"due_at": due.astimezone(timezone.utc).isoformat(), "first_batch": first,
             "batches": last - first + 1, "messages": count} for due, first, last, count in rows]


def release_batches(send: CampaignSend, *, now: datetime | None = None) -> int:
    """Hand the send's batches that are due (or due within LOOKAHEAD, with their due time as ETA) to workers,
    after commit; each batch once (one conditional UPDATE of released_batches wins). The number released."""
    now = now or utcnow()
    if not send.local_time:
        upto, etas = send.batches, {}
    else:
        upto, etas = send.released_batches, {}
        for wave in send.waves or []:
            due = datetime.fromisoformat(wave["due_at"])
            if due > now + LOOKAHEAD:
                break
            for batch_no in range(wave["first_batch"], wave["first_batch"] + wave["batches"]):
                etas[batch_no] = due if due > now else None
            upto = max(upto, wave["first_batch"] + wave["batches"])
    first = send.released_batches
    if upto <= first:
        return 0
    won = db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send.id, CampaignSend.released_batches == first, CampaignSend.status == SendStatus.SENDING)
        .values(released_batches=upto, progress_at=now).returning(CampaignSend.id)
        .execution_options(synchronize_session=False)).first()
    if won is None:
        return 0
    send.released_batches = upto
    enqueue_many_after_commit("messaging.send_batch", [
        ((str(send.id), batch_no), {"eta": etas[batch_no]} if etas.get(batch_no) else {})
        for batch_no in range(first, upto)])
    return upto - first


def release_due_batches(*, limit: int = 100) -> int:
    """Beat: local-time sends whose next wave falls due get its batches handed to workers."""
    sends = db.session.scalars(select(CampaignSend).where(
        CampaignSend.status == SendStatus.SENDING, CampaignSend.local_time.is_(True),
        CampaignSend.released_batches < CampaignSend.batches).order_by(CampaignSend.starts_at).limit(limit)).all()
    released = 0
    for send in sends:
        released += release_batches(send)
        db.session.commit()
    return released


def batch_due_at(send: CampaignSend, batch_no: int) -> datetime | None:
    """When a local-time send's batch may go (None: now)."""
    for wave in send.waves or []:
        if wave["first_batch"] <= batch_no < wave["first_batch"] + wave["batches"]:
            return datetime.fromisoformat(wave["due_at"])
    return None
