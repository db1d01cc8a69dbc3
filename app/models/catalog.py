"""The catalog: an account's products (SKU, name, description, price, images as media files)."""
from decimal import Decimal

from sqlalchemy import CheckConstraint, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import AccountScopedMixin, TimestampMixin, UUIDMixin


class Product(UUIDMixin, AccountScopedMixin, TimestampMixin, db.Model):
    """Something an account sells; stores stock it (StoreProduct) and promos discount it."""

    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Ids of the account's media files, in display order (checked by the service; no FK on array elements).
    images: Mapped[list] = mapped_column(ARRAY(UUID(as_uuid=True)), default=list, server_default="{}")

    __table_args__ = (
        UniqueConstraint("account_id", "sku", name="uq_products_account_sku"),
        CheckConstraint("price >= 0", name="ck_products_price_positive"),
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"
