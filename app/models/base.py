"""Mixins shared by every model: UUID keys, timestamps, account scoping."""
import enum
import uuid
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum, ForeignKey, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def pg_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum type storing the lowercase values the API speaks, not the Python names."""
    return Enum(cls, name=name, values_callable=lambda members: [m.value for m in members])


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UUIDMixin:
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), default=utcnow, onupdate=utcnow
    )


class AccountScopedMixin:
    """A row that belongs to one tenant; every query filters on account_id."""

    @declared_attr
    def account_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
