"""Uploaded media files and the state of their processing."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum



class FileType(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


class MediaStatus(enum.StrEnum):
    UPLOADING = "uploading"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (MediaStatus.READY, MediaStatus.FAILED)


class MediaFile(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """One uploaded file: stored under a generated key, never under the name the client sent."""

    __tablename__ = "media_files"

    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    # No foreign key yet: campaigns live on another branch; the lead adds it at merge.
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    original_filename: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    file_type: Mapped[FileType] = mapped_column(pg_enum(FileType, "media_file_type"))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[MediaStatus] = mapped_column(pg_enum(MediaStatus, "media_status"), default=MediaStatus.UPLOADING)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    page_count: Mapped[int | None] = mapped_column(Integer)
    # `metadata` is reserved on declarative models; the column keeps the plain name.
    meta: Mapped[dict] = mapped_column("metadata", JSONB, default=dict)
    thumbnail_key: Mapped[str | None] = mapped_column(String(255))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account = relationship("Account")
    uploader = relationship("User")

    __table_args__ = (
        Index("ix_media_files_account_created", "account_id", "created_at"),
        Index("ix_media_files_account_campaign", "account_id", "campaign_id"),
    )

    def __str__(self) -> str:
        return self.filename
