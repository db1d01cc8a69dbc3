"""What happened, by whom, to what: the activity log every domain writes through record_event."""
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UUIDMixin


# The security-relevant events (app/services/audit.py), read across accounts by platform admins: a partial index
# keeps that read from scanning every account's activity.
AUDIT_EVENTS = (
    "auth.login", "auth.login_failed", "auth.logout", "auth.logout_everywhere", "auth.refresh_token_reused",
    "user.registered", "user.password_changed", "user.password_set", "user.role_changed", "user.enabled",
    "user.disabled", "account.created", "account.member_invited", "account.member_joined",
    "account.member_role_changed", "account.member_removed", "account.member_left", "account.invitation_revoked",
    "api_key.created", "api_key.revoked", "api_key.used", "webhook.created", "webhook.updated", "webhook.deleted",
    "webhook.disabled", "report.exported", "report.requested",
)


class ActivityEvent(UUIDMixin, db.Model):
    __tablename__ = "activity_events"

    # Null for events outside any tenant (a failed login, a token reuse).
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE")
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    account = relationship("Account")
    actor = relationship("User")

    __table_args__ = (
        Index("ix_activity_events_account_created", "account_id", created_at.desc()),
        Index("ix_activity_events_subject", "subject_type", "subject_id"),
        Index("ix_activity_events_audit", created_at.desc(),
              postgresql_where=text("name IN (" + ", ".join(f"'{n}'" for n in AUDIT_EVENTS) + ")")),
    )


class IdempotencyKey(UUIDMixin, db.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed to repeats."""

    __tablename__ = "idempotency_keys"

    caller: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None]
    response_headers: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)

    __table_args__ = (Index("uq_idempotency_caller_key", "caller", "key", "method", "path", unique=True),)
