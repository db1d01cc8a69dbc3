"""Flash promos: stores with a location, their stock of products, scheduled promos, stock holds, notification log."""
import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from geoalchemy2 import Geography
from sqlalchemy import (
    BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin, pg_enum


class PromoStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class PromoAudience(str, enum.Enum):
    ALL = "all"
    NEW = "new"
    FREQUENT = "frequent"


class PromoChannel(str, enum.Enum):
    PUSH = "push"  # simulated: logged, not sent anywhere
    EMAIL = "email"
    WHATSAPP = "whatsapp"


class ReservationStatus(str, enum.Enum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class NotificationStatus(str, enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Store(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A shop with a place: promos reach customers within a radius of it."""

    __tablename__ = "stores"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    location = mapped_column(Geography(geometry_type="POINT", srid=4326, spatial_index=True), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # {"mon": [["09:00", "18:00"]], ...}; informative only.
    opening_hours: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_stores_account_name"),)

    def __str__(self) -> str:
        return self.name


class StoreProduct(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A product stocked by a store. `stock` is what is free to hold: a hold takes from it, and an expiry or a
    cancel gives back, each with one conditional UPDATE (the CHECK is the last guard against overselling)."""

    __tablename__ = "store_products"

    store_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("stores.id", ondelete="RESTRICT"))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("products.id", ondelete="RESTRICT"),
                                                  index=True)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    base_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    store = relationship("Store")
    product = relationship("Product")

    __table_args__ = (
        UniqueConstraint("store_id", "product_id", name="uq_store_products_store_product"),
        CheckConstraint("stock >= 0", name="ck_store_products_stock"),
        CheckConstraint("base_price >= 0", name="ck_store_products_base_price"),
    )


class FlashPromo(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A discounted price for a store product during [starts_at, ends_at), announced to customers nearby.

    `status` is what beat and the ETA tasks last wrote; readers derive the status from the clock as well
    (app/services/promos.py effective_status), so a late beat never shows a promo outside its window.
    """

    __tablename__ = "promos"

    store_product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("store_products.id", ondelete="RESTRICT"))
    store_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("stores.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    promo_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[PromoStatus] = mapped_column(pg_enum(PromoStatus, "promo_status"), default=PromoStatus.SCHEDULED)
    radius_m: Mapped[int] = mapped_column(Integer, default=2000, server_default="2000")
    audience: Mapped[PromoAudience] = mapped_column(pg_enum(PromoAudience, "promo_audience"),
                                                    default=PromoAudience.ALL)
    channel: Mapped[PromoChannel] = mapped_column(pg_enum(PromoChannel, "promo_channel"), default=PromoChannel.PUSH)
    max_per_customer: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    store_product = relationship("StoreProduct")
    store = relationship("Store")

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_promos_window"),
        CheckConstraint("radius_m > 0", name="ck_promos_radius"),
        CheckConstraint("max_per_customer > 0", name="ck_promos_max_per_customer"),
        # Overlap checks and the promos of a store product.
        Index("ix_promos_store_product_window", "store_product_id", "starts_at", "ends_at"),
        # Beat's query (due to start or to finish) and the lists by window.
        Index("ix_promos_open", "status", "starts_at", "ends_at",
              postgresql_where=text("status IN ('scheduled', 'active')")),
        Index("ix_promos_account_starts", "account_id", "starts_at"),
    )

    def __str__(self) -> str:
        return self.title or str(self.id)


class Reservation(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """A hold of `quantity` units for a customer until `expires_at`; checkout, cancel and expiry each move it
    out of `held` once (conditional UPDATE), so its stock goes back at most once."""

    __tablename__ = "reservations"

    # No index of its own: the indexes below lead with promo_id or store_product_id.
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    promo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("promos.id", ondelete="CASCADE"))
    store_product_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("store_products.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[ReservationStatus] = mapped_column(pg_enum(ReservationStatus, "reservation_status"),
                                                      default=ReservationStatus.HELD)
    # 256 random bits (secrets.token_urlsafe): the token is the capability to check out or cancel.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    promo = relationship("FlashPromo")
    customer = relationship("Customer")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_reservations_quantity"),
        # The per-customer limit and "already reserving" (re-notification) look here.
        Index("ix_reservations_promo_customer", "promo_id", "customer_id", "status"),
        # The sweep: held reservations past their time, oldest first.
        Index("ix_reservations_held_expiry", "expires_at", postgresql_where=text("status = 'held'")),
        Index("ix_reservations_store_product_held", "store_product_id", "expires_at",
              postgresql_where=text("status = 'held'")),
    )


class NotificationLog(db.Model):
    """One promo notification to one customer on one day (the store's date): the unique key is the anti-spam
    rule, and rows are inserted with ON CONFLICT DO NOTHING so a second activation adds nobody."""

    __tablename__ = "notification_logs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("accounts.id", ondelete="CASCADE"))
    promo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("promos.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"))
    sent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[PromoChannel] = mapped_column(pg_enum(PromoChannel, "promo_channel"))
    to_address: Mapped[str | None] = mapped_column(String(254))
    distance_m: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[NotificationStatus] = mapped_column(pg_enum(NotificationStatus, "promo_notification_status"),
                                                       default=NotificationStatus.QUEUED)
    reason: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    customer = relationship("Customer")

    __table_args__ = (
        UniqueConstraint("customer_id", "promo_id", "sent_on", name="uq_notification_logs_customer_promo_day"),
        Index("ix_notification_logs_promo_status", "promo_id", "status"),
    )
