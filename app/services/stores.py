"""Stores (a place and a time zone) and what they stock: store products with free stock and a base price."""
from decimal import Decimal
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import Account, FlashPromo, Product, Reservation, ReservationStatus, Store, StoreProduct, User
from app.services import customer_fields as fields
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern


# --- stores -------------------------------------------------------------------------------------------------------

def get_store(account: Account, store_id) -> Store:
    return get_owned(Store, account, store_id)


def list_stores(account: Account, *, page: int = 1, size: int = 10, search: str | None = None) -> Page:
    """The account's stores by name."""
    stmt = select(Store).where(Store.account_id == account.id)
    if search:
        stmt = stmt.where(Store.name.ilike(contains_pattern(search), escape=LIKE_ESCAPE))
    return paginate(stmt.order_by(Store.name, Store.id), page=page, size=size)


def location_of(store: Store) -> dict:
    """The store's point as the API writes points: `{"type": "point", "coordinates": [lon, lat]}`."""
    if isinstance(store.location, str):  # just assigned as WKT, not reloaded yet
        db.session.refresh(store, ["location"])
    point = to_shape(store.location)
    return {"type": "point", "coordinates": [point.x, point.y]}


def _apply_store(store: Store, data: dict[str, Any]) -> None:
    errors = {}
    for name in ("name", "address", "opening_hours"):
        if name in data:
            setattr(store, name, data[name] if name != "address" else (data[name] or ""))
    if data.get("timezone") is not None:
        try:
            store.timezone = fields.normalize_timezone(data["timezone"])
        except fields.FieldError as exc:
            errors["timezone"] = [str(exc)]
    if "location" in data:
        if not data["location"]:
            errors["location"] = ["A store needs a location."]
        else:
            store.location = fields.point_wkt(*data["location"]["coordinates"])
    if errors:
        raise ValidationError(details=errors)


def _flush_store(store: Store) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"A store named '{store.name}' exists already", details={"name": ["Taken."]}) from None


@unit_of_work
def create_store(account: Account, *, actor: User | None, **data) -> Store:
    """Open a store at a location (a point), in a time zone (IANA; the account's default otherwise)."""
    if not data.get("location"):
        raise ValidationError(details={"location": ["A store needs a location."]})
    store = Store(account_id=account.id, timezone=account.timezone or "UTC")
    _apply_store(store, data)
    db.session.add(store)
    _flush_store(store)
    record_event(account, actor, "store.created", store)
    return store


@unit_of_work
def update_store(store: Store, *, actor: User | None, **changes) -> Store:
    """Change a store's name, address, location, time zone or opening hours."""
    _apply_store(store, changes)
    _flush_store(store)
    record_event(db.session.get(Account, store.account_id), actor, "store.updated", store,
                 {"fields": sorted(changes)})
    return store


@unit_of_work
def delete_store(store: Store, *, actor: User | None) -> None:
    """Delete a store that stocks nothing (409 otherwise)."""
    if db.session.scalar(select(exists().where(StoreProduct.store_id == store.id))):
        raise Conflict("The store stocks products; remove its store products first")
    record_event(db.session.get(Account, store.account_id), actor, "store.deleted", store, {"name": store.name})
    db.session.delete(store)


# --- store products -------------------------------------------------------------------------------------------------

def get_store_product(account: Account, store_product_id, *, for_update: bool = False) -> StoreProduct:
    return get_owned(StoreProduct, account, store_product_id, label="Store product", for_update=for_update)


def list_store_products(account: Account, *, page: int = 1, size: int = 10, store_id=None,
                        product_id=None) -> Page:
    """The account's store products, by store then product name."""
    stmt = (select(StoreProduct).join(Product, Product.id == StoreProduct.product_id)
            .join(Store, Store.id == StoreProduct.store_id).where(StoreProduct.account_id == account.id))
    if store_id:
        stmt = stmt.where(StoreProduct.store_id == store_id)
    if product_id:
        stmt = stmt.where(StoreProduct.product_id == product_id)
    return paginate(stmt.order_by(Store.name, Product.name, StoreProduct.id), page=page, size=size)


def held_units(store_product_ids: list) -> dict:
    """Units under live holds per store product (held and not yet past their time)."""
    if not store_product_ids:
        return {}
    rows = db.session.execute(select(Reservation.store_product_id, func.sum(Reservation.quantity)).where(
        Reservation.store_product_id.in_(store_product_ids), Reservation.status == ReservationStatus.HELD,
        Reservation.expires_at > func.now()).group_by(Reservation.store_product_id))
    return {sp_id: int(total) for sp_id, total in rows}


def _owned_ref(model, account: Account, object_id, field: str, label: str):
    try:
        return get_owned(model, account, object_id, label=label)
    except Exception:
        raise ValidationError(details={field: [f"Unknown {label.lower()} '{object_id}'."]}) from None


def _flush_store_product() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("This store stocks this product already; change that store product instead",
                       details={"product_id": ["Already stocked by this store."]}) from None


@unit_of_work
def create_store_product(account: Account, *, actor: User | None, store_id, product_id, stock: int = 0,
                         base_price: Decimal | None = None) -> StoreProduct:
    """Stock a product in a store (one store product per store and product); base price defaults to the
    product's price."""
    store = _owned_ref(Store, account, store_id, "store_id", "Store")
    product = _owned_ref(Product, account, product_id, "product_id", "Product")
    item = StoreProduct(account_id=account.id, store_id=store.id, product_id=product.id, stock=stock,
                        base_price=product.price if base_price is None else base_price)
    db.session.add(item)
    _flush_store_product()
    record_event(account, actor, "store_product.created", item, {"stock": stock})
    return item


@unit_of_work
def update_store_product(item: StoreProduct, *, actor: User | None, **changes) -> StoreProduct:
    """Set a store product's free stock or base price (a promo's price stays below the base: checked on promos)."""
    account = db.session.get(Account, item.account_id)
    if "stock" in changes:
        # Free stock is what holds take from: set it under the row lock holds take, so none is lost between.
        db.session.refresh(item, with_for_update=True)
        item.stock = changes["stock"]
    if changes.get("base_price") is not None:
        item.base_price = changes["base_price"]
    db.session.flush()
    record_event(account, actor, "store_product.updated", item, {"fields": sorted(changes)})
    return item


@unit_of_work
def adjust_stock(item: StoreProduct, *, actor: User | None, delta: int, reason: str = "") -> StoreProduct:
    """Add (or, negative, remove) free stock in one conditional UPDATE; units under holds cannot be removed
    (409 when the free stock would go below zero)."""
    row = db.session.execute(
        update(StoreProduct).where(StoreProduct.id == item.id, StoreProduct.stock + delta >= 0)
        .values(stock=StoreProduct.stock + delta, updated_at=func.now())
        .returning(StoreProduct.stock)).first()
    if row is None:
        db.session.refresh(item)
        raise Conflict("Not that much free stock: units under holds cannot be removed",
                       details={"delta": delta, "stock": item.stock})
    db.session.refresh(item)
    record_event(db.session.get(Account, item.account_id), actor, "store_product.adjusted", item,
                 {"delta": delta, "reason": reason, "stock": row[0]})
    return item


@unit_of_work
def delete_store_product(item: StoreProduct, *, actor: User | None) -> None:
    """Remove a product from a store that has no promo for it (409 otherwise)."""
    if db.session.scalar(select(exists().where(FlashPromo.store_product_id == item.id))):
        raise Conflict("Promos use this store product; cancel them instead of deleting it")
    record_event(db.session.get(Account, item.account_id), actor, "store_product.deleted", item)
    db.session.delete(item)
