"""Messaging: a campaign's send, one Message per recipient, suppressed addresses, WhatsApp windows, notifications."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum


class SendStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker, provider call in flight (reclaimed after a lease)
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SKIPPED = "skipped"


# Statuses that mean "the provider took it": what the frequency cap and the stats count as sent.
ACCEPTED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)


class CampaignSend(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """The one send of a messaging campaign: when, its state, and its fan-out (a campaign never starts twice)."""

    __tablename__ = "campaign_sends"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[SendStatus] = mapped_column(pg_enum(SendStatus, "send_status"), default=SendStatus.SCHEDULED)
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Deliver at send_at's wall-clock time (in `timezone`) in each customer's own zone.
    local_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # When beat starts it (fans it out): send_at, or for local time the first moment any zone reaches that time.
    starts_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda context: context.get_current_parameters()["send_at"])
    batch_size: Mapped[int] = mapped_column(Integer, default=500)
    total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    batches: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Batches 0 … released_batches - 1 have been handed to workers (all at once, or wave by wave for local time).
    released_batches: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Local time: [{"due_at", "first_batch", "batches", "messages"}] in due order, batches numbered in that order.
    waves: Mapped[list | None] = mapped_column(JSONB)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Touched by workers as they record (at most every few seconds): a send with work left and no progress for a
    # lease is resumed.
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    campaign = relationship("Campaign")

    __table_args__ = (
        # Beat's query: scheduled sends that are due, and running ones to watch.
        Index("ix_campaign_sends_open", "status", "starts_at",
              postgresql_where=text("status IN ('scheduled', 'sending')")),
    )


class Message(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """One campaign's message to one customer: claimed, sent (or skipped, or failed with the reason), tracked."""

    __tablename__ = "messages"

    # No index of its own: every index below starts with campaign_id or customer_id. No foreign keys: their per-row
    # checks were half of a million-row fan-out; triggers on campaigns and customers delete their messages instead
    # (migration 0015), and the fan-out reads the rows it references.
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(8))
    to_address: Mapped[str] = mapped_column(String(254))
    batch_no: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # not before (local time); None: now
    status: Mapped[MessageStatus] = mapped_column(pg_enum(MessageStatus, "message_status"),
                                                  default=MessageStatus.QUEUED)
    reason: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    open_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    clicked_first_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    clicked_last_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    click_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    customer = relationship("Customer", primaryjoin="foreign(Message.customer_id) == Customer.id")

    __table_args__ = (
        # One message per campaign and customer: a second fan-out inserts nothing.
        UniqueConstraint("campaign_id", "customer_id", name="uq_messages_campaign_customer"),
        # A batch claims its rows by (campaign, status, batch); the log's filter, progress counts and the
        # completion check use its first two columns.
        Index("ix_messages_campaign_status_batch", "campaign_id", "status", "batch_no"),
        # The frequency cap counts a customer's messages of the last day.
        Index("ix_messages_customer_sent", "customer_id", "sent_at", postgresql_where=text("sent_at IS NOT NULL")),
        # Status callbacks find their message by the provider's id.
        Index("ix_messages_provider_id", "provider_id", postgresql_where=text("provider_id IS NOT NULL")),
    )


class Suppression(AccountScopedMixin, db.Model):
    """An address no later send reaches on a channel (a hard bounce, a permanent provider error)."""

    __tablename__ = "suppressions"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))

    __table_args__ = (UniqueConstraint("account_id", "channel", "address", name="uq_suppressions_address"),)


class Notification(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """Something a member of an account should know (a send completed or failed); read or not."""

    __tablename__ = "notifications"

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    # The message key (services/notifications.MESSAGES) and the values its words name, put into words when read,
    # in the reader's language; title and body keep the English words. Rows from before keys have no params.
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict | None] = mapped_column(JSONB)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    link: Mapped[str | None] = mapped_column(String(500))
    is_read: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # A member's list in one account: unread first, newest first.
        Index("ix_notifications_user_account", "user_id", "account_id", "is_read", text("created_at DESC")),
    )


class WhatsAppWindow(db.Model):
    """When a customer last wrote to us on WhatsApp: free-form messages may go out for 24 hours after it."""

    __tablename__ = "whatsapp_windows"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CustomerSendQuota(db.Model):
    """A customer's sends of the last 24 hours (claim times, oldest first), for MAX_MESSAGES_PER_CUSTOMER_PER_DAY.

    A batch takes a slot here in the very statement that claims its messages (INSERT … ON CONFLICT DO UPDATE …
    WHERE fewer than the cap): the row lock makes a second campaign's claim wait and then see the first one's
    slot, so two campaigns sending at once cannot both pass the cap. A message that is not sent after all
    (failed, released for a retry, reclaimed after a lease) gives its slot back."""

    __tablename__ = "customer_send_quotas"

    # No foreign keys, as for messages: a statement-level trigger on customers deletes the row (migration 0018).
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    recent: Mapped[list[datetime]] = mapped_column(ARRAY(DateTime(timezone=True)))
