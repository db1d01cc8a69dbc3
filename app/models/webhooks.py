"""Webhook endpoints that subscribe to an account's events, and the log of every delivery to them."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first try, or for the next one (next_attempt_at)
    SENDING = "sending"  # claimed by a worker until lease_until
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused for good (4xx), retries spent, or the endpoint was removed or disabled

    @property
    def is_final(self) -> bool:
        return self in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED)


class WebhookEndpoint(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A URL that receives the account's events it subscribes to, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(200))
    # Event names ("campaign.created"), a domain's wildcard ("campaign.*") or "*".
    events: Mapped[list[str]] = mapped_column(ARRAY(String(80)))
    # Kept as given: signing needs it. Shown once, when set; the API answers only its last characters.
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))

    account = relationship("Account")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(UUIDMixin, AccountScopedMixin, db.Model):
    """One event for one endpoint: the payload as signed (its id is X-Webhook-Id) and how its tries went."""

    __tablename__ = "webhook_deliveries"

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    # The activity event it reports (null for test pings); one delivery per event and endpoint.
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    event: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[DeliveryStatus] = mapped_column(pg_enum(DeliveryStatus, "webhook_delivery_status"),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[str | None] = mapped_column(Text)  # the first KB, for the delivery log
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

    endpoint = relationship("WebhookEndpoint")

    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        Index("uq_webhook_deliveries_endpoint_event", "endpoint_id", "event_id", unique=True,
              postgresql_where=text("event_id IS NOT NULL")),
        # What beat's sweep looks for: deliveries still to try, by when.
        Index("ix_webhook_deliveries_due", "next_attempt_at",
              postgresql_where=text("status IN ('pending', 'sending')")),
    )
