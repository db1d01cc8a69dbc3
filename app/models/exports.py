"""Report exports rendered in the background (PDF): who asked, for what, how far along, and the stored file."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (ExportStatus.COMPLETED, ExportStatus.FAILED)


class ExportJob(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """One report asked for: rendered by a task, kept through the storage integration, downloaded by a signed link."""

    __tablename__ = "export_jobs"

    kind: Mapped[str] = mapped_column(String(30))  # campaigns
    format: Mapped[str] = mapped_column(String(10))  # pdf
    filters: Mapped[dict] = mapped_column(JSONB, default=dict)
    status: Mapped[ExportStatus] = mapped_column(pg_enum(ExportStatus, "export_status"), default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account = relationship("Account")
    requester = relationship("User")
