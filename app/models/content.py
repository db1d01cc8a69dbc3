"""AI content: product copy per channel and language (versioned), campaign suggestions a person approves or
rejects, batch jobs with progress, and the token usage every generation spent."""
import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, func,
)
from sqlalchemy import text as sql_text  # a column below is named `text`
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum, utcnow


class ContentChannel(enum.StrEnum):
    SOCIAL = "social"
    EMAIL = "email"
    WHATSAPP = "whatsapp"


class ContentStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ARCHIVED = "archived"


class SuggestionKind(enum.StrEnum):
    TITLE = "title"
    SUBJECT = "subject"
    BODY = "body"
    HASHTAGS = "hashtags"
    SUMMARY = "summary"


class SuggestionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class GeneratedMixin:
    """Where a piece of copy came from: the provider, its model, the exact prompt file."""

    provider: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100), default="")
    prompt_version: Mapped[str] = mapped_column(String(100), default="")

    @property
    def template_generated(self) -> bool:
        return self.provider == "template"


class ContentJob(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A batch of product copy (channels × languages) written by a worker, with progress."""

    __tablename__ = "content_jobs"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"),
                                                  index=True)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[JobStatus] = mapped_column(pg_enum(JobStatus, "content_job_status"), default=JobStatus.QUEUED)
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    tone: Mapped[str] = mapped_column(String(20), default="friendly")
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    audience: Mapped[str] = mapped_column(String(300), default="")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def progress(self) -> float:
        return round(100.0 * self.done / self.total, 1) if self.total else 0.0


class ProductContent(UUIDMixin, AccountScopedMixin, TimestampMixin, GeneratedMixin, db.Model):
    """One version of a product's copy for one channel and language; regenerating adds the next version."""

    __tablename__ = "product_contents"

    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("content_jobs.id", ondelete="SET NULL"), index=True)
    channel: Mapped[ContentChannel] = mapped_column(pg_enum(ContentChannel, "content_channel"))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer, default=1)
    tone: Mapped[str] = mapped_column(String(20), default="friendly")
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    hashtags: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list)
    status: Mapped[ContentStatus] = mapped_column(pg_enum(ContentStatus, "content_status"),
                                                  default=ContentStatus.DRAFT)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    edited: Mapped[bool] = mapped_column(Boolean, default=False)  # changed by a person after generation

    __table_args__ = (
        UniqueConstraint("product_id", "channel", "language", "version", name="uq_product_contents_version"),
        # The product page and GET /products/{id}/content: newest first.
        Index("ix_product_contents_product_created", "product_id", sql_text("created_at DESC")),
    )


class CampaignSuggestion(UUIDMixin, AccountScopedMixin, TimestampMixin, GeneratedMixin, db.Model):
    """One suggested title, subject, body, hashtag set or summary, waiting for a person's decision."""

    __tablename__ = "campaign_suggestions"

    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"))
    batch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # one generation's suggestions share it
    kind: Mapped[SuggestionKind] = mapped_column(pg_enum(SuggestionKind, "suggestion_kind"))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(20))  # the campaign's channel when it was suggested
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[SuggestionStatus] = mapped_column(pg_enum(SuggestionStatus, "suggestion_status"),
                                                     default=SuggestionStatus.PENDING)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def fills_content(self) -> bool:
        """Approving it writes the campaign's messaging content: a subject (email) or a body (email, WhatsApp)."""
        if self.kind == SuggestionKind.SUBJECT:
            return self.channel == "email"
        return self.kind == SuggestionKind.BODY and self.channel in ("email", "whatsapp")

    @property
    def applied(self) -> bool:
        return self.status == SuggestionStatus.APPROVED and self.fills_content

    __table_args__ = (
        Index("ix_campaign_suggestions_campaign_created", "campaign_id", sql_text("created_at DESC")),
    )


class AIUsage(UUIDMixin, AccountScopedMixin, db.Model):
    """Tokens and cost of one provider call; the monthly budget sums these per account."""

    __tablename__ = "ai_usage"

    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(20))
    model: Mapped[str] = mapped_column(String(100), default="")
    task: Mapped[str] = mapped_column(String(40))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=0)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=True)  # false: tokens spent on an unusable answer
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), default=utcnow)

    __table_args__ = (
        # The budget check: one account's rows of this month, tokens read from the index alone.
        Index("ix_ai_usage_account_created", "account_id", "created_at", postgresql_include=["total_tokens"]),
    )
