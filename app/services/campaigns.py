"""Campaigns: create, change, move through the lifecycle, delete (softly), and find them."""
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import (
    TRANSITIONS, Account, AdsStatus, Campaign, CampaignStatus, Channel, MediaFile, User, utcnow,
)
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.campaign_rules import check_dates, clean_fields
from app.services.dispatch import enqueue_after_commit
from app.services.names import name_key
from app.services.search import LIKE_ESCAPE, contains_pattern

SORT_KEYS = {
    "created_at": Campaign.created_at, "updated_at": Campaign.updated_at, "name": func.lower(Campaign.name),
    "budget": Campaign.budget, "start_date": Campaign.start_date, "end_date": Campaign.end_date,
    "priority": Campaign.priority, "status": Campaign.status,
}
NULLABLE_SORT_KEYS = {"start_date", "end_date"}
DEFAULT_SORT = "-created_at"


def _live(account: Account):
    return and_(Campaign.account_id == account.id, Campaign.deleted_at.is_(None))


def campaigns_query(account: Account, *, status: str | None = None, channel: str | None = None,
                    priority: str | None = None, search: str | None = None, start_date: datetime | None = None,
                    end_date: datetime | None = None, sort: str | None = None) -> Select:
    """The account's campaigns, filtered and sorted; start_date/end_date keep campaigns inside the window."""
    stmt = select(Campaign).where(_live(account))
    for column, value in ((Campaign.status, status), (Campaign.channel, channel), (Campaign.priority, priority)):
        if value:
            stmt = stmt.where(column == value)
    if search and search.strip():
        pattern = contains_pattern(search.strip())
        stmt = stmt.where(or_(Campaign.name.ilike(pattern, escape=LIKE_ESCAPE),
                              Campaign.description.ilike(pattern, escape=LIKE_ESCAPE)))
    if start_date is not None:
        stmt = stmt.where(Campaign.start_date >= start_date)
    if end_date is not None:
        stmt = stmt.where(Campaign.end_date <= end_date)
    return stmt.order_by(*_order(sort or DEFAULT_SORT))


def _order(sort: str) -> list:
    keys = []
    for part in (p.strip() for p in sort.split(",") if p.strip()):
        descending, key = part.startswith("-"), part.lstrip("-+")
        if key not in SORT_KEYS:
            raise ValidationError("Validation error", details={
                "sort": [f"Unknown sort key '{key}'; use one of {', '.join(SORT_KEYS)} (prefix - for descending)"]})
        column = SORT_KEYS[key]
        # Only dates may be empty; NULLS LAST on a NOT NULL column would stop the indexes serving the order.
        if key in NULLABLE_SORT_KEYS:
            keys.append(column.desc().nulls_last() if descending else column.asc().nulls_last())
        else:
            keys.append(column.desc() if descending else column.asc())
    return keys + [Campaign.id]  # a stable order across pages


def get_campaign(account: Account, campaign_id, *, for_update: bool = False) -> Campaign:
    """One live campaign of the account; another account's id answers 404 like a missing one."""
    return get_owned(Campaign, account, campaign_id, Campaign.deleted_at.is_(None), for_update=for_update)


def get_campaign_by_name(account: Account, name: str) -> Campaign:
    if "\x00" in name or len(name) > 200:  # no campaign can have such a name; PostgreSQL refuses NUL outright
        raise NotFound(f"Campaign named '{name[:200]}' not found")
    campaign = db.session.scalar(select(Campaign).where(_live(account), func.lower(Campaign.name) == name.lower()))
    if campaign is None:
        raise NotFound(f"Campaign named '{name}' not found")
    return campaign


def _check_name_free(account: Account, name: str, *, exclude: uuid.UUID | None = None) -> None:
    # Names that only look alike (case, width, invisible characters, letters of another script) are one name.
    stmt = select(Campaign.name).where(_live(account), name_key(Campaign.name) == name_key(name))
    if exclude is not None:
        stmt = stmt.where(Campaign.id != exclude)
    taken = db.session.scalar(stmt)
    if taken is not None and taken.lower() == name.lower():
        raise Conflict(f"A campaign named '{name}' already exists in this account",
                       details={"name": ["This name is already taken in the account"]})
    if taken is not None:
        raise Conflict(f"A campaign named '{taken}' already exists in this account and looks the same",
                       details={"name": [f"Looks the same as the campaign '{taken}' of this account"]})


def _check_media_files(account: Account, media_ids: list[uuid.UUID] | None) -> None:
    """Every id in media_files must be a file of this account; another account's file is as unknown as none."""
    if not media_ids:
        return
    known = set(db.session.scalars(select(MediaFile.id).where(
        MediaFile.account_id == account.id, MediaFile.id.in_(set(media_ids)))))
    unknown = [str(i) for i in dict.fromkeys(media_ids) if i not in known]
    if unknown:
        raise ValidationError("Validation error", details={
            "media_files": [f"Unknown media file ids: {', '.join(unknown)}"]})


def _flush_unique(name: str) -> None:
    # The unique index is the guard when two requests race past the check above.
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if "uq_campaigns_account_name" in str(exc.orig):  # either index: lower(name) or name_key(name)
            raise Conflict(f"A campaign named '{name}' already exists in this account",
                           details={"name": ["This name is already taken in the account"]}) from None
        raise


@unit_of_work
def create_campaign(account: Account, *, actor: User | None, **data: Any) -> Campaign:
    """Create a campaign (draft unless told otherwise); Amazon Ads campaigns are pushed after commit."""
    fields = clean_fields(data, creating=True)
    check_dates(fields.get("start_date"), fields.get("end_date"))
    status = fields.pop("status", CampaignStatus.DRAFT.value)
    if status not in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value, CampaignStatus.ACTIVE.value):
        raise ValidationError("Validation error", details={"status": ["A new campaign is draft, scheduled or active"]})
    _check_name_free(account, fields["name"])
    _check_media_files(account, fields.get("media_files"))
    fields.setdefault("channel", Channel.AMAZON_ADS.value)
    fields.setdefault("timezone", account.timezone or "UTC")
    fields.setdefault("currency", account.currency or "USD")
    campaign = Campaign(account_id=account.id, created_by_id=actor.id if actor else None, status=status, **fields)
    if campaign.is_amazon:
        campaign.ads_status = AdsStatus.PENDING.value
    db.session.add(campaign)
    _flush_unique(campaign.name)
    if campaign.is_amazon:
        enqueue_after_commit("ads.push_campaign", str(campaign.id))
    record_event(account, actor, "campaign.created", campaign,
                 {"name": campaign.name, "channel": campaign.channel, "status": campaign.status})
    return campaign


@unit_of_work
def update_campaign(campaign: Campaign, *, actor: User | None, **data: Any) -> Campaign:
    """Change the fields sent; a status among them follows the lifecycle like change_status."""
    fields = clean_fields(data, creating=False)
    new_status = fields.pop("status", None)
    check_dates(fields.get("start_date", campaign.start_date), fields.get("end_date", campaign.end_date))
    if "name" in fields and fields["name"] != campaign.name:
        _check_name_free(campaign.account, fields["name"], exclude=campaign.id)
    _check_media_files(campaign.account, fields.get("media_files"))
    changed = sorted(k for k, v in fields.items() if getattr(campaign, k) != v)
    for key, value in fields.items():
        setattr(campaign, key, value)
    if "channel" in changed and campaign.is_amazon and campaign.external_id is None:
        campaign.ads_status, campaign.sync_error = AdsStatus.PENDING.value, None
        enqueue_after_commit("ads.push_campaign", str(campaign.id))
    if changed:
        campaign.updated_at = utcnow()
        _flush_unique(campaign.name)
        record_event(campaign.account, actor, "campaign.updated", campaign, {"fields": changed})
    if new_status is not None and new_status != campaign.status:
        change_status(campaign, actor=actor, new_status=new_status)
    return campaign


@unit_of_work
def change_status(campaign: Campaign, *, actor: User | None, new_status: str) -> Campaign:
    """Move the campaign along its lifecycle; 409 naming the allowed moves otherwise."""
    try:
        target = CampaignStatus(new_status)
    except ValueError:
        raise ValidationError("Validation error", details={
            "new_status": [f"Must be one of: {', '.join(s.value for s in CampaignStatus)}"]}) from None
    # Lock the row: two concurrent moves must not both start from the same state.
    db.session.refresh(campaign, with_for_update=True)
    current = CampaignStatus(campaign.status)
    if target not in TRANSITIONS[current]:
        allowed = [s.value for s in TRANSITIONS[current]]
        raise Conflict(f"Cannot move a {current.value} campaign to {target.value}; allowed: "
                       f"{', '.join(allowed) or 'none (final state)'}",
                       details={"status": current.value, "new_status": target.value, "allowed": allowed})
    campaign.status = target.value
    campaign.updated_at = utcnow()
    record_event(campaign.account, actor, "campaign.status_changed", campaign,
                 {"from": current.value, "to": target.value})
    return campaign


@unit_of_work
def delete_campaign(campaign: Campaign, *, actor: User | None) -> None:
    """Soft-delete; an active campaign must be cancelled (or paused/finished) first."""
    db.session.refresh(campaign, with_for_update=True)
    if campaign.status == CampaignStatus.ACTIVE.value:
        raise Conflict("An active campaign cannot be deleted; cancel it first",
                       details={"status": campaign.status, "allowed": ["cancelled"]})
    campaign.deleted_at = utcnow()
    record_event(campaign.account, actor, "campaign.deleted", campaign, {"name": campaign.name})


@unit_of_work
def request_sync(campaign: Campaign, *, actor: User | None) -> Campaign:
    """Push an Amazon Ads campaign again now (after a failure, or to retry early)."""
    if not campaign.is_amazon:
        raise Conflict("Only amazon_ads campaigns sync with Amazon Ads", details={"channel": campaign.channel})
    if campaign.external_id is None:
        campaign.ads_status, campaign.sync_error, campaign.sync_attempts = AdsStatus.PENDING.value, None, 0
    enqueue_after_commit("ads.push_campaign", str(campaign.id), "manual")
    record_event(campaign.account, actor, "campaign.sync_requested", campaign)
    return campaign


@unit_of_work
def advance_lifecycle(*, limit: int = 1000) -> dict[str, int]:
    """Start scheduled campaigns whose start has come; finish active or paused ones whose end has passed.

    One conditional UPDATE per move (rows someone holds are skipped, not waited for); beat runs it every
    minute and it is safe to run twice.
    """
    now = utcnow()
    moves = (
        ("started", (CampaignStatus.SCHEDULED.value,), CampaignStatus.ACTIVE.value, Campaign.start_date),
        ("finished", (CampaignStatus.ACTIVE.value, CampaignStatus.PAUSED.value), CampaignStatus.FINISHED.value,
         Campaign.end_date),
    )
    counts = {}
    for label, sources, target, due_column in moves:
        due = (select(Campaign.id, Campaign.status).where(
            Campaign.status.in_(sources), Campaign.deleted_at.is_(None), due_column.is_not(None), due_column <= now)
            .order_by(due_column).limit(limit).with_for_update(skip_locked=True).cte(f"due_{label}"))
        moved = dict(db.session.execute(
            update(Campaign).where(Campaign.id == due.c.id).values(status=target, updated_at=now)
            .returning(Campaign.id, due.c.status)).all())
        for campaign in db.session.scalars(select(Campaign).where(Campaign.id.in_(moved))) if moved else ():
            record_event(campaign.account, None, "campaign.status_changed", campaign,
                         {"from": moved[campaign.id], "to": target, "by": "schedule"})
        counts[label] = len(moved)
    return counts
