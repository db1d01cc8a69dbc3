"""The audience: customers with consent and a location, saved segments, and CSV/XLSX import jobs."""
import enum
import uuid
from datetime import datetime

from geoalchemy2 import Geography
from sqlalchemy import (
    BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum

CHANNELS = ("email", "whatsapp", "push")
# How many recent order times a customer row keeps: enough to judge "frequent" without an orders table.
RECENT_ORDERS_KEPT = 10


class Customer(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """One person of an account's audience (seed 003's customer and seed 001's profile in one row)."""

    __tablename__ = "customers"

    # No index of its own: every index of the table starts with account_id, and a bare one misleads the planner
    # into scanning a whole account for an email lookup while an import runs (statistics lag behind).
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    email: Mapped[str | None] = mapped_column(String(254))  # normalised, lower case
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    location = mapped_column(Geography(geometry_type="POINT", srid=4326, spatial_index=True), nullable=True)
    city: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list, server_default="{}")
    # Consent per channel: NULL = never asked, TRUE = granted, FALSE = withdrawn (a suppression).
    email_consent: Mapped[bool | None] = mapped_column(Boolean)
    email_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_consent_source: Mapped[str | None] = mapped_column(String(80))
    whatsapp_consent: Mapped[bool | None] = mapped_column(Boolean)
    whatsapp_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    whatsapp_consent_source: Mapped[str | None] = mapped_column(String(80))
    push_consent: Mapped[bool | None] = mapped_column(Boolean)
    push_consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    push_consent_source: Mapped[str | None] = mapped_column(String(80))
    orders_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_order_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Newest first, at most RECENT_ORDERS_KEPT: "frequent" is recent_orders[n] within the window.
    recent_orders: Mapped[list[datetime]] = mapped_column(ARRAY(DateTime(timezone=True)), default=list,
                                                          server_default="{}")
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")

    account = relationship("Account")

    __table_args__ = (
        Index("uq_customers_account_email", "account_id", "email", unique=True,
              postgresql_where=text("email IS NOT NULL")),
        Index("uq_customers_account_phone", "account_id", "phone", unique=True,
              postgresql_where=text("phone IS NOT NULL")),
        Index("ix_customers_tags", "tags", postgresql_using="gin"),
        Index("ix_customers_account_language", "account_id", "language"),
        Index("ix_customers_account_created", "account_id", "created_at"),
    )

    def consent(self, channel: str) -> bool | None:
        return getattr(self, f"{channel}_consent")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or str(self.id)


class ConsentChange(db.Model):
    """The history of consent: every change of a channel's consent, when and from what source."""

    __tablename__ = "consent_changes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Segment(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A saved filter over customers; `rules` is the tree of DESIGN section 4, compiled to SQL when used."""

    __tablename__ = "segments"

    account = relationship("Account")

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    rules: Mapped[dict] = mapped_column(JSONB)

    __table_args__ = (
        UniqueConstraint("account_id", "name", name="uq_segments_account_name"),
        # Names that only look alike are one name (name_key() is defined in migration 0007).
        Index("uq_segments_account_name_key", "account_id", func.name_key(name), unique=True),
    )

    def __str__(self) -> str:
        return self.name


class ImportStatus(enum.StrEnum):
    DRAFT = "draft"  # uploaded, columns not confirmed yet (the wizard's second step)
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class ImportMode(enum.StrEnum):
    CREATE = "create"
    UPSERT = "upsert"
    UPDATE_ONLY = "update_only"


class ImportJob(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """One upload of a CSV/XLSX file and its progress; rows go in batches, each batch one transaction."""

    __tablename__ = "import_jobs"

    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    file_path: Mapped[str] = mapped_column(String(500))
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(2))
    headers: Mapped[list] = mapped_column(JSONB, default=list)
    sample: Mapped[list] = mapped_column(JSONB, default=list)
    mapping: Mapped[dict] = mapped_column(JSONB, default=dict)
    mode: Mapped[ImportMode] = mapped_column(pg_enum(ImportMode, "import_mode"), default=ImportMode.UPSERT)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    status: Mapped[ImportStatus] = mapped_column(pg_enum(ImportStatus, "import_status"), default=ImportStatus.DRAFT)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # Batches are committed by two writers, not always in order: a resumed run skips the ones listed here.
    batch_size: Mapped[int] = mapped_column(Integer, default=5000)
    done_batches: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list, server_default="{}")
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by = relationship("User")

    @property
    def progress(self) -> float:
        if self.status == ImportStatus.COMPLETED:
            return 100.0
        return round(100.0 * self.processed_rows / self.total_rows, 1) if self.total_rows else 0.0

    def __str__(self) -> str:
        return self.filename


class ImportRowError(db.Model):
    """A rejected row of an import: its line in the file, why, and the row as read (to download and fix)."""

    __tablename__ = "import_row_errors"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    import_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("import_jobs.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    data: Mapped[list] = mapped_column(JSONB, default=list)

    __table_args__ = (Index("ix_import_row_errors_import_line", "import_id", "line"),)
