"""Sending a messaging campaign: schedule or send now, start exactly once, fan out, progress, messages and logs."""
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import Select, exists, func, select, update

from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import (
    ActivityEvent, Campaign, CampaignSend, CampaignStatus, Channel, Message, MessageStatus, SendStatus, User, utcnow,
)
from app.services import message_events, segments, locked, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue, enqueue_after_commit
from app.services.messaging_claim import give_back
from app.services.messaging_channels import CHECKS
from app.services.messaging_fanout import fan_out, local_start, release_batches
from app.services.notifications import notify_members
from app.services.pagination import Page, paginate

SENDABLE = (Channel.EMAIL.value, Channel.WHATSAPP.value)
OPEN_CAMPAIGN = (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value, CampaignStatus.ACTIVE.value,
                 CampaignStatus.PAUSED.value)


def parse_send_at(value: Any, zone: str) -> datetime:
    """`value` as a UTC time: an ISO time with an offset, or a wall-clock time in `zone` (IANA, DST-aware).

    A wall-clock time that does not exist in the zone (skipped by a DST change) is refused, not guessed.
    """
    try:
        tz = ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(details={"timezone": [f"Unknown time zone '{zone}'; use an IANA name such as "
                                                    "Europe/Madrid."]}) from None
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(details={"send_at": ["Not a valid date and time (ISO 8601)."]}) from None
    if when.tzinfo is None:
        local = when.replace(tzinfo=tz)
        if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != when:
            raise ValidationError(details={"send_at": [f"{when:%Y-%m-%d %H:%M} does not exist in {zone} (the clocks "
                                                       "skip it); pick another time."]})
        when = local
    return when.astimezone(timezone.utc)


def _check_sendable(campaign: Campaign) -> None:
    if campaign.channel not in SENDABLE:
        raise Conflict(f"Campaigns of channel '{campaign.channel}' are not sent as messages; email and WhatsApp are",
                       details={"channel": campaign.channel, "allowed": list(SENDABLE)})
    if campaign.status not in OPEN_CAMPAIGN:
        raise Conflict(f"A {campaign.status} campaign cannot be sent", details={"status": campaign.status})
    CHECKS[campaign.channel](campaign.content or {})
    segment_id = (campaign.audience or {}).get("segment_id")
    if segment_id:
        try:
            segments.get_segment(campaign.account, segment_id)
        except NotFound:
            raise ValidationError("The campaign's audience names an unknown segment", details={
                "audience": {"segment_id": [f"Unknown segment '{segment_id}'."]}}) from None


def _lock_campaign(campaign_id) -> None:
    # Campaign row first, then its send: the order every writer of both keeps, so they cannot deadlock.
    db.session.execute(locked(select(Campaign).where(Campaign.id == campaign_id)))


def _send_of(campaign: Campaign, *, for_update: bool = False) -> CampaignSend | None:
    stmt = select(CampaignSend).where(CampaignSend.campaign_id == campaign.id)
    return db.session.scalar(locked(stmt) if for_update else stmt)


def _open_send(campaign: Campaign, *, actor: User | None, send_at: datetime, zone: str,
               local_time: bool = False) -> CampaignSend:
    """The campaign's send, created or moved to `send_at`; 409 once it has started."""
    db.session.refresh(campaign, with_for_update=True)  # two requests for one campaign: one after the other
    _check_sendable(campaign)
    send = _send_of(campaign, for_update=True)
    if send is not None and send.status != SendStatus.SCHEDULED:
        raise Conflict(f"This campaign's send is {send.status.value} already; a campaign is sent once",
                       details={"send_status": send.status.value})
    if send is not None and send.starts_at <= utcnow():
        # Due (sent now, or its time has come) and about to be claimed by a worker: it is starting, not movable.
        raise Conflict("This campaign's send is starting; a campaign is sent once", details={"send_status": "starting"})
    if send is None:
        send = CampaignSend(account_id=campaign.account_id, campaign_id=campaign.id, channel=campaign.channel,
                            batch_size=current_app.config["MESSAGING_BATCH_SIZE"])
        db.session.add(send)
    send.send_at, send.timezone, send.status, send.local_time = send_at, zone, SendStatus.SCHEDULED, local_time
    send.starts_at = local_start(send_at, zone) if local_time else send_at
    if campaign.status == CampaignStatus.DRAFT.value:
        campaign.status = CampaignStatus.SCHEDULED.value
    db.session.flush()
    return send


@unit_of_work
def schedule_send(campaign: Campaign, *, actor: User | None, send_at: Any, timezone: str,
                  local_time: bool = False) -> dict:
    """Send the campaign at `send_at` (in `timezone`); a time in the past is refused. Moves a scheduled send.

    With `local_time`, each customer gets it at send_at's wall-clock time in their own zone (the account's when
    they have none); the send starts (fans out) when the first zone reaches that time, and customers whose time
    has already passed by then get it at once.
    """
    when = parse_send_at(send_at, timezone)
    if when <= utcnow():
        raise ValidationError(details={"send_at": ["Must be in the future."]})
    send = _open_send(campaign, actor=actor, send_at=when, zone=timezone, local_time=bool(local_time))
    record_event(campaign.account, actor, "messaging.scheduled", campaign,
                 {"send_at": when.isoformat(), "timezone": timezone, "local_time": bool(local_time)})
    return send_state(campaign, send)


@unit_of_work
def send_now(campaign: Campaign, *, actor: User | None) -> dict:
    """Start sending the campaign now (in the background); 409 if its send has started already."""
    send = _open_send(campaign, actor=actor, send_at=utcnow(), zone=campaign.timezone or "UTC")
    record_event(campaign.account, actor, "messaging.send_requested", campaign)
    enqueue_after_commit("messaging.start_send", str(send.id))
    return send_state(campaign, send)


def start_due_sends(*, limit: int = 100) -> int:
    """Beat: hand every due scheduled send to a worker; start_send makes sure each starts once."""
    due = db.session.scalars(select(CampaignSend.id).where(
        CampaignSend.status == SendStatus.SCHEDULED, CampaignSend.starts_at <= utcnow())
        .order_by(CampaignSend.starts_at).limit(limit)).all()
    db.session.rollback()
    for send_id in due:
        enqueue("messaging.start_send", str(send_id))
    return len(due)


@unit_of_work
def start_send(send_id: str) -> dict | None:
    """Claim a due send (scheduled → sending, one conditional UPDATE: it starts once) and fan out its messages.

    The claim and the fan-out commit together, so a failure leaves the send scheduled for beat to try again.
    """
    now = utcnow()
    campaign_id = db.session.scalar(select(CampaignSend.campaign_id).where(CampaignSend.id == send_id))
    if campaign_id is None:
        return None
    _lock_campaign(campaign_id)
    claimed = db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send_id, CampaignSend.status == SendStatus.SCHEDULED, CampaignSend.starts_at <= now)
        .values(status=SendStatus.SENDING, started_at=now, progress_at=now).returning(CampaignSend.id)).first()
    if claimed is None:
        return None
    send = db.session.get(CampaignSend, claimed[0])
    db.session.refresh(send)
    campaign = db.session.get(Campaign, send.campaign_id)
    if campaign.deleted_at is not None or campaign.status not in OPEN_CAMPAIGN:
        send.status, send.finished_at, send.error = SendStatus.CANCELLED, now, f"The campaign is {campaign.status}."
        return {"status": send.status.value}
    fan_out(campaign, send)  # sets total, batches (and waves)
    if campaign.status in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
        campaign.status = CampaignStatus.ACTIVE.value
    record_event(campaign.account, None, "messaging.started", campaign,
                 {"recipients": send.total, "batches": send.batches})
    release_batches(send, now=now)  # every batch, or for local time those due now; beat releases the rest
    if send.total == 0:
        complete_send(send)
    return {"status": send.status.value, "recipients": send.total, "batches": send.batches}


def audience_count(campaign: Campaign) -> int | None:
    """How many customers the campaign would reach now (consent, an address); None if its audience is broken."""
    if campaign.channel not in SENDABLE:
        return None
    segment_id = (campaign.audience or {}).get("segment_id")
    try:
        segment = segments.get_segment(campaign.account, segment_id) if segment_id else None
        stmt = segments.eligible_customers_query(campaign.account, segment, campaign.channel)
        return db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    except (NotFound, ValidationError):
        return None


def complete_send(send: CampaignSend) -> bool:
    """sending → completed once nothing is queued or in flight (one conditional UPDATE: one caller wins)."""
    left = db.session.scalar(select(exists().where(
        Message.campaign_id == send.campaign_id, Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]))))
    if left:
        return False
    _lock_campaign(send.campaign_id)
    now = utcnow()
    won = db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send.id, CampaignSend.status == SendStatus.SENDING)
        .values(status=SendStatus.COMPLETED, finished_at=now, progress_at=now).returning(CampaignSend.id)).first()
    if won is None:
        return False
    campaign = db.session.get(Campaign, send.campaign_id)
    counts = message_counts(campaign.id)
    if campaign.status in (CampaignStatus.ACTIVE.value, CampaignStatus.PAUSED.value):
        campaign.status = CampaignStatus.FINISHED.value
    record_event(campaign.account, None, "messaging.completed", campaign, counts)
    notify_members(campaign.account, kind="messaging.completed", link=f"/campaigns/{campaign.id}",
                   params={"name": campaign.name, **{k: counts[k] for k in ("sent", "failed", "skipped")}})
    return True


def fail_send(send: CampaignSend, *, reason: str) -> bool:
    """The whole send cannot go on (the provider refuses us): what is queued fails with the reason, members hear."""
    _lock_campaign(send.campaign_id)
    now = utcnow()
    won = db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send.id, CampaignSend.status == SendStatus.SENDING)
        .values(status=SendStatus.FAILED, finished_at=now, error=reason).returning(CampaignSend.id)).first()
    if won is None:
        return False
    # In-flight messages were not sent: their slots under the frequency cap go back.
    failed = db.session.execute(update(Message).where(
        Message.campaign_id == send.campaign_id, Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]))
        .values(status=MessageStatus.FAILED, reason=reason, failed_at=now, updated_at=now)
        .returning(Message.customer_id, Message.claimed_at, Message.id, Message.to_address)).all()
    give_back(failed)
    if "message.failed" in message_events.wanted(send.account_id):
        message_events.emit(send.account_id, {"message.failed": [
            message_events.item(r.id, customer_id=r.customer_id, channel=send.channel, to=r.to_address,
                                reason=reason) for r in failed]}, campaign_id=send.campaign_id)
    campaign = db.session.get(Campaign, send.campaign_id)
    record_event(campaign.account, None, "messaging.failed", campaign, {"reason": reason})
    notify_members(campaign.account, kind="messaging.failed", params={"name": campaign.name, "reason": reason},
                   link=f"/campaigns/{campaign.id}")
    return True


def cancel_send(send: CampaignSend, *, reason: str) -> bool:
    """Stop a send whose campaign was cancelled: what is still queued is skipped with the reason."""
    _lock_campaign(send.campaign_id)
    now = utcnow()
    won = db.session.execute(update(CampaignSend).where(
        CampaignSend.id == send.id, CampaignSend.status.in_([SendStatus.SCHEDULED, SendStatus.SENDING]))
        .values(status=SendStatus.CANCELLED, finished_at=now, error=reason).returning(CampaignSend.id)).first()
    if won is None:
        return False
    db.session.execute(update(Message).where(
        Message.campaign_id == send.campaign_id, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SKIPPED, reason=reason, updated_at=now))
    campaign = db.session.get(Campaign, send.campaign_id)
    record_event(campaign.account, None, "messaging.cancelled", campaign, {"reason": reason})
    return True


def message_counts(campaign_id) -> dict[str, int]:
    """Messages per status, opens and clicks: one aggregate over the campaign's messages."""
    accepted = Message.status.in_([MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ])
    row = db.session.execute(select(
        func.count(),
        *[func.count().filter(Message.status == s) for s in MessageStatus],
        func.count().filter(accepted),
        func.count().filter(Message.opened_first_at.is_not(None)),
        func.count().filter(Message.clicked_first_at.is_not(None)),
    ).where(Message.campaign_id == campaign_id)).one()
    counts = {"total": row[0], **{s.value: row[i + 1] for i, s in enumerate(MessageStatus)}}
    counts.update(accepted=row[-3], opened=row[-2], clicked=row[-1])
    return counts


def send_state(campaign: Campaign, send: CampaignSend | None = None) -> dict:
    """The campaign's send as the API shows it: when (UTC and in its zone), its state, live counts and rates."""
    send = send or _send_of(campaign)
    if send is None:
        return {"campaign_id": campaign.id, "status": "not_scheduled", "counts": message_counts(campaign.id)}
    counts = message_counts(campaign.id)
    accepted = counts["accepted"]
    return {
        "campaign_id": campaign.id, "status": send.status.value, "channel": send.channel,
        "send_at": send.send_at, "timezone": send.timezone, "local_time": send.local_time,
        "send_at_local": send.send_at.astimezone(ZoneInfo(send.timezone)).isoformat(),
        "started_at": send.started_at, "finished_at": send.finished_at, "error": send.error,
        "recipients": send.total, "batches": send.batches, "counts": counts,
        "open_rate": round(100 * counts["opened"] / accepted, 2) if accepted else None,
        "click_rate": round(100 * counts["clicked"] / accepted, 2) if accepted else None,
    }


def messages_query(campaign: Campaign, *, status: str | None = None, channel: str | None = None) -> Select:
    stmt = select(Message).where(Message.campaign_id == campaign.id, Message.account_id == campaign.account_id)
    if status:
        stmt = stmt.where(Message.status == MessageStatus(status))
    if channel:
        stmt = stmt.where(Message.channel == channel)
    return stmt.order_by(Message.created_at, Message.id)


def list_logs(campaign: Campaign, *, page: int = 1, size: int = 10) -> Page:
    """The send's lifecycle as it happened: scheduled, started, batches done, completed or failed."""
    stmt = (select(ActivityEvent).where(
        ActivityEvent.subject_type == Campaign.__tablename__, ActivityEvent.subject_id == str(campaign.id),
        ActivityEvent.account_id == campaign.account_id, ActivityEvent.name.like("messaging.%"))
        .order_by(ActivityEvent.created_at, ActivityEvent.id))
    return paginate(stmt, page=page, size=size)


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["MESSAGING_LEASE_SECONDS"])
