"""A campaign's media as the campaign form picks it: the files attached to it, in one unit of work with its fields.

A file belongs to at most one campaign (MediaFile.campaign_id, which also keeps a running campaign's files from
being deleted); the campaign's `media_files` lists the same ids in the order they were picked, as the API shows.
"""
import uuid
from typing import Any

from sqlalchemy import select, update

from app.errors import ValidationError
from app.extensions import db
from app.models import Account, Campaign, MediaFile, User
from app.services import campaigns, media, unit_of_work
from app.services.activity import record_event

PICKER_SIZE = 60


def pickable_files(account: Account, campaign: Campaign | None = None) -> list[MediaFile]:
    """What the campaign form offers: the account's newest files, and every file this campaign already has."""
    newest = select(MediaFile.id).where(MediaFile.account_id == account.id) \
        .order_by(MediaFile.created_at.desc()).limit(PICKER_SIZE)
    stmt = select(MediaFile).where(MediaFile.account_id == account.id)
    if campaign is not None:
        stmt = stmt.where(MediaFile.id.in_(newest) | (MediaFile.campaign_id == campaign.id)
                          | MediaFile.id.in_(list(campaign.media_files or [])))
    else:
        stmt = stmt.where(MediaFile.id.in_(newest))
    return list(db.session.scalars(stmt.order_by(MediaFile.created_at.desc())))


def campaign_names(account: Account, ids) -> dict[uuid.UUID, str]:
    """Names of the account's live campaigns among `ids` (for "in campaign X" next to a file)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Campaign.id, Campaign.name).where(
        Campaign.account_id == account.id, Campaign.id.in_(ids), Campaign.deleted_at.is_(None)))
    return dict(rows.all())


def campaign_choices(account: Account, *, limit: int = 500) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the account's live campaigns, by name: what a file can be attached to."""
    rows = db.session.execute(select(Campaign.id, Campaign.name).where(
        Campaign.account_id == account.id, Campaign.deleted_at.is_(None)).order_by(Campaign.name).limit(limit))
    return [tuple(row) for row in rows]


def _attach(campaign: Campaign, actor: User | None, media_ids: list[uuid.UUID]) -> None:
    wanted = set(media_ids)
    owners = dict(db.session.execute(select(MediaFile.id, MediaFile.campaign_id).where(
        MediaFile.account_id == campaign.account_id, MediaFile.id.in_(wanted))).all())
    if missing := [str(i) for i in media_ids if i not in owners]:
        raise ValidationError(details={"media_files": [f"Unknown media file ids: {', '.join(missing)}"]})
    left = db.session.execute(update(MediaFile).where(
        MediaFile.account_id == campaign.account_id, MediaFile.campaign_id == campaign.id,
        MediaFile.id.not_in(wanted)).values(campaign_id=None)).rowcount
    moved = {file_id: owner for file_id, owner in owners.items() if owner != campaign.id}
    if moved:
        db.session.execute(update(MediaFile).where(MediaFile.id.in_(list(moved))).values(campaign_id=campaign.id))
        _drop_from_lists(campaign.account_id, moved)
    if left or moved:
        record_event(campaign.account, actor, "campaign.media_changed", campaign,
                     {"media_files": [str(i) for i in media_ids], "attached": len(moved), "detached": left})


def _drop_from_lists(account_id: uuid.UUID, moved: dict[uuid.UUID, uuid.UUID | None]) -> None:
    """Files that left a campaign leave its media_files too: a file belongs to one campaign."""
    for owner in {o for o in moved.values() if o is not None}:
        other = db.session.scalar(select(Campaign).where(Campaign.id == owner, Campaign.account_id == account_id))
        if other is not None and other.media_files:
            other.media_files = [i for i in other.media_files if moved.get(i, owner) != owner]


@unit_of_work
def attach_file(item: MediaFile, *, actor: User, campaign_id: uuid.UUID | None) -> MediaFile:
    """The media library's Attach: the file joins `campaign_id` (None: no campaign), and the campaigns' lists follow."""
    previous = item.campaign_id
    media.attach_to_campaign(item, actor=actor, campaign_id=campaign_id)  # checks the campaign is this account's
    if previous != campaign_id:
        _drop_from_lists(item.account_id, {item.id: previous})
        if campaign_id is not None:
            campaign = db.session.get(Campaign, campaign_id)
            campaign.media_files = [*(i for i in campaign.media_files or [] if i != item.id), item.id]
    return item


@unit_of_work
def create_campaign(account: Account, *, actor: User | None, media_ids: list[uuid.UUID], **data: Any) -> Campaign:
    """campaigns.create_campaign, with the picked files attached to the new campaign."""
    campaign = campaigns.create_campaign(account, actor=actor, media_files=list(media_ids), **data)
    _attach(campaign, actor, list(media_ids))
    return campaign


@unit_of_work
def update_campaign(campaign: Campaign, *, actor: User | None, media_ids: list[uuid.UUID], **data: Any) -> Campaign:
    """campaigns.update_campaign; the picked files become exactly the campaign's files."""
    campaign = campaigns.update_campaign(campaign, actor=actor, media_files=list(media_ids), **data)
    _attach(campaign, actor, list(media_ids))
    return campaign
