"""Flash-promo test data, made through the services: a store, a product in stock, a promo, customers nearby."""
import uuid
from datetime import timedelta

from geographiclib.geodesic import Geodesic
from sqlalchemy import text

from app.extensions import db
from app.models import utcnow
from app.services import catalog, customers, promos, stores

# The Plaza de Bolívar, Bogotá.
CENTRE = (-74.0760, 4.5981)


def point_at(metres: float, *, bearing: float = 0.0, centre=CENTRE) -> list[float]:
    """[lon, lat] `metres` from `centre` along `bearing` on the WGS84 ellipsoid (PostGIS geography's own)."""
    found = Geodesic.WGS84.Direct(centre[1], centre[0], bearing, metres)
    return [found["lon2"], found["lat2"]]


def make_store(account, *, name: str = "Centro", at=CENTRE, timezone: str = "America/Bogota"):
    return stores.create_store(account, actor=None, name=name, address="Cra. 7 #11-10",
                               location={"type": "point", "coordinates": list(at)}, timezone=timezone)


def make_stock(account, *, stock: int = 50, price: str = "10.00", sku: str = "SKU-1", store=None):
    store = store or make_store(account, name=f"Store {sku}")
    product = catalog.create_product(account, actor=None, sku=sku, name=f"Product {sku}", price=price)
    return stores.create_store_product(account, actor=None, store_id=store.id, product_id=product.id, stock=stock)


def make_promo(account, *, item=None, stock: int = 50, started: timedelta = timedelta(minutes=1),
               lasts: timedelta = timedelta(hours=1), **options):
    """A promo on `item` (or a new store product) that started `started` ago and runs for `lasts`."""
    item = item or make_stock(account, stock=stock)
    now = utcnow()
    options.setdefault("promo_price", "7.50")
    return promos.create_promo(account, actor=None, store_product_id=item.id, starts_at=now - started,
                               ends_at=now - started + lasts, **options)


def shift(promo, delta: timedelta):
    """Move a promo's window by `delta` behind the services' back (a promo in the past cannot be created)."""
    db.session.execute(text("UPDATE promos SET starts_at = starts_at + :d, ends_at = ends_at + :d WHERE id = :id"),
                       {"d": delta, "id": promo.id})
    db.session.commit()
    db.session.refresh(promo)
    return promo


def make_customer(account, *, at=None, email: str | None = None, consent=("push",), **fields):
    data = dict(fields)
    if at is not None:
        data["location"] = {"type": "point", "coordinates": list(at)}
    data["email"] = email or f"{uuid.uuid4().hex[:12]}@example.com"
    data["consent"] = {channel: True for channel in consent}
    return customers.create_customer(account, actor=None, **data)


def many_customers(account, count: int, *, at=CENTRE) -> list:
    """`count` customers at one point with push consent, in one statement; their ids."""
    rows = db.session.execute(text(
        "INSERT INTO customers (id, account_id, first_name, location, push_consent) "
        "SELECT gen_random_uuid(), :account, 'C' || n, ST_GeogFromText(:point), true "
        "FROM generate_series(1, :count) n RETURNING id"),
        {"account": account.id, "point": f"SRID=4326;POINT({at[0]} {at[1]})", "count": count}).scalars().all()
    db.session.commit()
    return rows
