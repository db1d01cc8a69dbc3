"""API keys for integrators: one account, read or write, stored as a digest, revocable."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import MemberRole
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum


class ApiKeyScope(enum.StrEnum):
    READ = "read"  # what a viewer may do
    WRITE = "write"  # what an editor may do; owners' settings (members, keys, webhooks) never

    @property
    def role(self) -> MemberRole:
        return MemberRole.VIEWER if self is ApiKeyScope.READ else MemberRole.EDITOR


class ApiKey(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A key acts in its account as the owner who made it, never with more than its scope; the key itself is
    shown once and only its SHA-256 is kept (it is random and long, so a slow hash would add nothing)."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[ApiKeyScope] = mapped_column(pg_enum(ApiKeyScope, "api_key_scope"))
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account = relationship("Account")
    creator = relationship("User")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
