"""Media library: uploads checked by content, stored under generated keys, processed by a task, served signed."""
import io
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, select

from app.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, UpstreamError, \
    ValidationError
from app.extensions import db
from app.integrations import IntegrationError
from app.integrations.storage import Storage, storage_from_config
from app.models import Account, Campaign, FileType, MediaFile, MediaStatus, User
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue_after_commit
from app.services.pagination import Page, paginate
from app.services.media_content import ACCEPTED, SNIFF_BYTES, detect, safe_filename

UPLOADED_MESSAGE = "File uploaded successfully, processing started"
# A campaign in one of these states still needs its files.
BLOCKING_CAMPAIGN_STATUSES = ("scheduled", "active")


def get_storage() -> Storage:
    return storage_from_config(current_app.config)


def download_origin() -> str | None:
    """The origin download links redirect to (S3's), for pages to allow in their CSP; None: this app's own."""
    return get_storage().download_origin()


@unit_of_work
def upload_file(account: Account, *, actor: User, stream: BinaryIO, filename: str | None,
                declared_type: FileType | None = None, campaign_id: uuid.UUID | None = None) -> MediaFile:
    """Store an upload whose type is read from its bytes, then queue its processing (status `uploading`)."""
    size = _size_of(stream)
    limit_mb = current_app.config["MAX_UPLOAD_MB"]
    if size > limit_mb * 1024 * 1024:
        raise PayloadTooLarge(f"The file is larger than {limit_mb} MB",
                              details={"file": [f"At most {limit_mb} MB."], "size": size})
    if size == 0:
        raise ValidationError(details={"file": ["The file is empty."]})
    detected = detect(stream.read(SNIFF_BYTES))
    stream.seek(0)
    if detected is None:
        accepted = sorted({ext for _type, ext, _mime in ACCEPTED.values()})
        raise UnsupportedMediaType("This kind of file is not supported",
                                   details={"file": [f"Accepted content: {', '.join(accepted)}."]})
    if declared_type is not None and declared_type != detected.file_type:
        raise ValidationError(details={"file_type": [
            f"The content is {detected.file_type.value} ({detected.mime_type}), not {declared_type.value}."]})
    check_campaign(account, campaign_id)
    media_id = uuid.uuid4()
    media = MediaFile(
        id=media_id, account_id=account.id, uploaded_by=actor.id, campaign_id=campaign_id,
        original_filename=_printable(filename)[:255] or "upload", filename=safe_filename(filename, detected.extension),
        # Keys are made of our ids only: nothing the client sent can reach a path.
        storage_key=f"{account.id}/{media_id}.{detected.extension}",
        file_type=detected.file_type, mime_type=detected.mime_type, size=size,
        status=MediaStatus.UPLOADING, progress=0, message=UPLOADED_MESSAGE, meta={},
    )
    db.session.add(media)
    db.session.flush()
    record_event(account, actor, "media.uploaded", media,
                 {"filename": media.filename, "file_type": media.file_type.value, "size": size})
    try:
        get_storage().save(media.storage_key, stream, media.mime_type)
    except IntegrationError as exc:
        raise UpstreamError("The file could not be stored; try again") from exc
    enqueue_after_commit("media.process_file", str(media.id))
    return media


def _printable(name: str | None) -> str:
    # Kept for display only; control characters (NUL is refused by PostgreSQL) are dropped.
    return "".join(ch for ch in (name or "") if ch.isprintable())


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def list_media(account: Account, *, page: int, size: int, campaign_id: uuid.UUID | None = None,
               file_type: FileType | None = None, status: MediaStatus | None = None) -> Page:
    """A page of the account's files, newest first, optionally filtered."""
    return paginate(_media_query(account, campaign_id=campaign_id, file_type=file_type, status=status),
                    page=page, size=size)


def _media_query(account: Account, *, campaign_id: uuid.UUID | None, file_type: FileType | None,
                 status: MediaStatus | None) -> Select:
    stmt = select(MediaFile).where(MediaFile.account_id == account.id)
    if campaign_id is not None:
        stmt = stmt.where(MediaFile.campaign_id == campaign_id)
    if file_type is not None:
        stmt = stmt.where(MediaFile.file_type == file_type)
    if status is not None:
        stmt = stmt.where(MediaFile.status == status)
    return stmt.order_by(MediaFile.created_at.desc(), MediaFile.id)


def get_file(account: Account, file_id) -> MediaFile:
    """One file of the account; another account's file is NotFound."""
    return get_owned(MediaFile, account, file_id, label="Media file")


@unit_of_work
def attach_to_campaign(media: MediaFile, *, actor: User, campaign_id: uuid.UUID | None) -> MediaFile:
    """Attach the file to a campaign of its account (None detaches it)."""
    check_campaign(media.account, campaign_id)
    media.campaign_id = campaign_id
    record_event(media.account, actor, "media.updated", media, {"campaign_id": str(campaign_id or "") or None})
    return media


@unit_of_work
def delete_file(media: MediaFile, *, actor: User) -> None:
    """Delete the file and its stored bytes; Conflict while a scheduled or running campaign uses it."""
    campaigns = blocking_campaigns(media)
    if campaigns:
        raise Conflict("This file is used by a scheduled or running campaign", details={"campaigns": campaigns})
    keys = [k for k in (media.storage_key, media.thumbnail_key) if k]
    record_event(media.account, actor, "media.deleted", media, {"filename": media.filename})
    db.session.delete(media)
    db.session.flush()
    try:
        storage = get_storage()
        for key in keys:
            storage.delete(key)
    except IntegrationError as exc:
        raise UpstreamError("The stored file could not be removed; try again") from exc


# --- Campaign rules: a file belongs to at most one campaign of its own account.

def blocking_campaigns(media: MediaFile) -> list[str]:
    """Ids of the account's scheduled or active campaigns that use `media` (they forbid its deletion)."""
    if media.campaign_id is None:
        return []
    rows = db.session.scalars(select(Campaign.id).where(
        Campaign.id == media.campaign_id, Campaign.account_id == media.account_id, Campaign.deleted_at.is_(None),
        Campaign.status.in_(BLOCKING_CAMPAIGN_STATUSES)))
    return [str(campaign_id) for campaign_id in rows]


def check_campaign(account: Account, campaign_id: uuid.UUID | None) -> None:
    """A file may only be attached to a live campaign of its own account."""
    if campaign_id is None:
        return
    found = db.session.scalar(select(Campaign.id).where(
        Campaign.id == campaign_id, Campaign.account_id == account.id, Campaign.deleted_at.is_(None)))
    if found is None:
        raise ValidationError(details={"campaign_id": ["No such campaign in this account."]})


# --- Signed, expiring download URLs (the link is the permission, so it works in <img> tags and e-mails).

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="media-download")


def download_token(media: MediaFile, variant: str = "original") -> str:
    return _serializer().dumps({"id": str(media.id), "v": variant})


@dataclass
class Download:
    """What a signed link leads to: a URL to send the browser to (S3: presigned), or the bytes to serve."""

    media: MediaFile
    mime_type: str
    url: str | None = None
    stream: BinaryIO | None = None


def open_download(token: str) -> Download:
    """The file a signed token names: a presigned URL where the storage gives one (the bytes then never pass
    through the app), else its stream; Forbidden once expired, NotFound if tampered or gone."""
    try:
        claim = _serializer().loads(token, max_age=current_app.config["MEDIA_URL_TTL"])
    except SignatureExpired as exc:
        raise Forbidden("This link has expired; open the media library for a fresh one") from exc
    except BadSignature as exc:
        raise NotFound("The requested resource was not found") from exc
    media = db.session.get(MediaFile, claim.get("id"))
    thumbnail = claim.get("v") == "thumbnail"
    key = None if media is None else media.thumbnail_key if thumbnail else media.storage_key
    if key is None:
        raise NotFound("The requested resource was not found")
    mime_type = "image/jpeg" if thumbnail else media.mime_type
    storage = get_storage()
    try:
        url = storage.download_url(key, filename=media.filename, content_type=mime_type,
                                   expires=current_app.config["MEDIA_URL_TTL"])
        if url is not None:
            return Download(media, mime_type, url=url)
        return Download(media, mime_type, stream=storage.open(key))
    except IntegrationError as exc:
        raise NotFound("The stored file is missing") from exc
