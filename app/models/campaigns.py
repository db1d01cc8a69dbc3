"""Campaigns of every channel, their lifecycle, their Amazon Ads sync state, and their daily metrics."""
import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum, utcnow


class Channel(enum.StrEnum):
    AMAZON_ADS = "amazon_ads"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    SOCIAL_MEDIA = "social_media"
    DISPLAY = "display"
    SEARCH = "search"


class Priority(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


# The lifecycle: every legal move, in one place.
TRANSITIONS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    CampaignStatus.DRAFT: (CampaignStatus.SCHEDULED, CampaignStatus.ACTIVE, CampaignStatus.CANCELLED),
    CampaignStatus.SCHEDULED: (CampaignStatus.ACTIVE, CampaignStatus.CANCELLED),
    CampaignStatus.ACTIVE: (CampaignStatus.PAUSED, CampaignStatus.FINISHED, CampaignStatus.CANCELLED),
    CampaignStatus.PAUSED: (CampaignStatus.ACTIVE, CampaignStatus.FINISHED, CampaignStatus.CANCELLED),
    CampaignStatus.FINISHED: (),
    CampaignStatus.CANCELLED: (),
}


class AdsStatus(enum.StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"


def _values(cls) -> str:
    return ", ".join(f"'{m.value}'" for m in cls)


class Campaign(UUIDMixin, TimestampMixin, AccountScopedMixin, db.Model):
    __tablename__ = "campaigns"

    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20), default=Channel.AMAZON_ADS.value)
    budget: Mapped[float] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    keywords: Mapped[list[str]] = mapped_column(ARRAY(String(100)), default=list)
    start_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    priority: Mapped[str] = mapped_column(String(10), default=Priority.MEDIUM.value)
    status: Mapped[CampaignStatus] = mapped_column(pg_enum(CampaignStatus, "campaign_status"),
                                                  default=CampaignStatus.DRAFT)
    demographics: Mapped[dict] = mapped_column(JSONB, default=dict)
    target_locations: Mapped[list] = mapped_column(JSONB, default=list)
    media_files: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list)
    # Messaging channels: {"segment_id": ...} and {"<language>": {"subject", "body"}}; owned by other domains.
    audience: Mapped[dict] = mapped_column(JSONB, default=dict)
    content: Mapped[dict] = mapped_column(JSONB, default=dict)

    # Amazon Ads sync state; null for campaigns of other channels.
    ads_status: Mapped[AdsStatus | None] = mapped_column(pg_enum(AdsStatus, "ads_status"))
    external_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sync_error: Mapped[str | None] = mapped_column(Text)
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # The sums of the campaign's metrics and when they last changed, kept by triggers on campaign_metrics
    # (migration 0020), never written here: reads take them with the row instead of summing the metrics.
    views_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    clicks_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    conversions_total: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    spend_total: Mapped[Decimal] = mapped_column(Numeric, default=0, server_default="0")
    metrics_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User")
    account = relationship("Account")

    __table_args__ = (
        CheckConstraint("budget > 0", name="ck_campaigns_budget_positive"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date > start_date",
                        name="ck_campaigns_end_after_start"),
        CheckConstraint(f"channel IN ({_values(Channel)})", name="ck_campaigns_channel"),
        CheckConstraint(f"priority IN ({_values(Priority)})", name="ck_campaigns_priority"),
        # Names are unique per account, ignoring case; a deleted campaign frees its name.
        Index("uq_campaigns_account_name", "account_id", func.lower(name), unique=True,
              postgresql_where=text("deleted_at IS NULL")),
        # ...and names that only look alike are one name too: name_key() is defined in migration 0007.
        Index("uq_campaigns_account_name_key", "account_id", func.name_key(name), unique=True,
              postgresql_where=text("deleted_at IS NULL")),
        # The list page: newest first within an account, optionally one status.
        Index("ix_campaigns_account_created", "account_id", text("created_at DESC"),
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_campaigns_account_status_created", "account_id", "status", text("created_at DESC"),
              postgresql_where=text("deleted_at IS NULL")),
        # Status and channel together (the list's usual filter): an index range, counted without the heap.
        Index("ix_campaigns_account_status_channel_created", "account_id", "status", "channel",
              text("created_at DESC"), postgresql_where=text("deleted_at IS NULL")),
        # Case-insensitive substring search on name and description (ILIKE '%x%') uses trigram indexes.
        Index("ix_campaigns_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
        Index("ix_campaigns_description_trgm", "description", postgresql_using="gin",
              postgresql_ops={"description": "gin_trgm_ops"}),
        # refresh_statuses scans only campaigns Amazon still has to move on or report on.
        Index("ix_campaigns_ads_open", "ads_status", postgresql_where=text(
            "external_id IS NOT NULL AND deleted_at IS NULL AND ads_status IN ('PROCESSING', 'ACTIVE')")),
    )

    @property
    def allowed_statuses(self) -> list[str]:
        return [s.value for s in TRANSITIONS[CampaignStatus(self.status)]]

    @property
    def is_amazon(self) -> bool:
        return self.channel == Channel.AMAZON_ADS.value

    def __str__(self) -> str:
        return self.name


class CampaignMetric(db.Model):
    """One campaign's performance on one day on one site: the fact table every stat is computed from."""

    __tablename__ = "campaign_metrics"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    site: Mapped[str] = mapped_column(String(120), primary_key=True, default="")
    impressions: Mapped[int] = mapped_column(BigInteger, default=0)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    spend: Mapped[float] = mapped_column(Numeric(12, 2), default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), default=utcnow)

    __table_args__ = (
        CheckConstraint("impressions >= 0 AND clicks >= 0 AND conversions >= 0 AND spend >= 0",
                        name="ck_campaign_metrics_non_negative"),
        # Stats and the list's counters sum a campaign's rows from this index alone (index-only scan):
        # a campaign's days are scattered over the heap, one page each, as they arrive day by day.
        Index("ix_campaign_metrics_totals", "campaign_id",
              postgresql_include=["impressions", "clicks", "conversions", "spend", "updated_at"]),
    )
