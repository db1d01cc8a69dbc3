"""Flash promos: schedule, edit, cancel; status from the clock on every read; beat and ETA tasks move it."""
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import ColumnElement, and_, cast, func, literal, select, update

from app.errors import Conflict, NotFound, ValidationError
from app.extensions import db
from app.models import (
    Account, FlashPromo, PromoAudience, PromoChannel, PromoStatus, Store, StoreProduct, User, utcnow,
)
from app.services import customer_fields as fields
from app.services import get_owned, unit_of_work
from app.services.activity import record_event
from app.services.dispatch import enqueue, enqueue_after_commit
from app.services.messaging import parse_send_at
from app.services.notifications import notify_members
from app.services.pagination import Page, paginate
from app.services.reservations import release_holds
from app.services.stores import get_store_product

EDITABLE = ("store_product_id", "title", "promo_price", "discount_percent", "starts_at", "ends_at", "radius_m",
            "audience", "max_per_customer", "channel")
CENTS = Decimal("0.01")


# --- the status, from the clock ---------------------------------------------------------------------------------

def effective_status(promo: FlashPromo, now: datetime | None = None) -> PromoStatus:
    """What the promo is now: the stored status may lag behind beat, the window never does."""
    if promo.status == PromoStatus.CANCELLED:
        return PromoStatus.CANCELLED
    now = now or utcnow()
    if now < promo.starts_at:
        return PromoStatus.SCHEDULED
    return PromoStatus.ACTIVE if now < promo.ends_at else PromoStatus.FINISHED


def status_clause(status: PromoStatus) -> ColumnElement[bool]:
    """effective_status as SQL, for filters."""
    now = func.now()
    if status == PromoStatus.CANCELLED:
        return FlashPromo.status == PromoStatus.CANCELLED
    live = FlashPromo.status != PromoStatus.CANCELLED
    if status == PromoStatus.SCHEDULED:
        return and_(live, FlashPromo.starts_at > now)
    if status == PromoStatus.ACTIVE:
        return and_(live, FlashPromo.starts_at <= now, FlashPromo.ends_at > now)
    return and_(live, FlashPromo.ends_at <= now)


# --- reading ------------------------------------------------------------------------------------------------------

def get_promo(account: Account, promo_id) -> FlashPromo:
    return get_owned(FlashPromo, account, promo_id, label="Promo")


def list_promos(account: Account, *, page: int = 1, size: int = 10, status: str | None = None,
                store_id=None) -> Page:
    """The account's promos, soonest first; `status` as the clock says (scheduled, active, finished, cancelled)."""
    stmt = select(FlashPromo).where(FlashPromo.account_id == account.id)
    if status:
        stmt = stmt.where(status_clause(PromoStatus(status)))
    if store_id:
        stmt = stmt.where(FlashPromo.store_id == store_id)
    return paginate(stmt.order_by(FlashPromo.starts_at.desc(), FlashPromo.id), page=page, size=size)


def active_promos(account: Account, *, page: int = 1, size: int = 10, lat: float | None = None,
                  lon: float | None = None) -> Page:
    """Promos running now. With a point: only those whose radius covers it, nearest first, with the distance."""
    stmt = select(FlashPromo).where(FlashPromo.account_id == account.id, status_clause(PromoStatus.ACTIVE))
    if lat is None or lon is None:
        return paginate(stmt.order_by(FlashPromo.ends_at, FlashPromo.id), page=page, size=size)
    point = cast(func.ST_GeogFromText(literal(fields.point_wkt(lon, lat))), Geography)
    distance = func.ST_Distance(Store.location, point)
    stmt = (stmt.join(Store, Store.id == FlashPromo.store_id)
            .where(func.ST_DWithin(Store.location, point, FlashPromo.radius_m))
            .add_columns(func.round(distance).label("distance_m"))
            .order_by(distance, FlashPromo.id))
    found = paginate(stmt, page=page, size=size, scalars=False)
    found.items = [NearbyPromo(promo, int(metres)) for promo, metres in found.items]
    return found


class NearbyPromo:
    """A promo seen from a point: the promo's fields plus `distance_m` to its store."""

    def __init__(self, promo: FlashPromo, distance_m: int):
        self.promo, self.distance_m = promo, distance_m

    def __getattr__(self, name):
        return getattr(self.promo, name)


def local_window(store: Store, starts_local, ends_local) -> dict:
    """Wall-clock start and end in the store's time zone as UTC `starts_at` and `ends_at` (DST-aware; a time the
    clocks skip is refused)."""
    window, errors = {}, {}
    for name, value in (("starts_at", starts_local), ("ends_at", ends_local)):
        try:
            window[name] = parse_send_at(value, store.timezone or "UTC")
        except ValidationError as exc:
            errors[name] = [m for messages in (exc.details or {}).values() for m in messages]
    if errors:
        raise ValidationError(details=errors)
    return window


# --- writing ------------------------------------------------------------------------------------------------------

def _price(item: StoreProduct, data: dict, errors: dict) -> Decimal | None:
    price, percent = data.get("promo_price"), data.get("discount_percent")
    if price is None and percent is None:
        errors["promo_price"] = ["Give a promo price or a discount percentage."]
        return None
    if price is None:
        price = (item.base_price * (Decimal(100) - Decimal(str(percent))) / 100).quantize(CENTS, ROUND_HALF_UP)
    price = Decimal(price).quantize(CENTS)
    if not price < item.base_price:
        errors["promo_price"] = [f"Must be below the base price ({item.base_price})."]
    return price


def _check_overlap(item: StoreProduct, starts_at: datetime, ends_at: datetime, exclude=None) -> None:
    # Callers hold the store product's row lock, so two overlapping promos cannot both pass this check.
    stmt = select(FlashPromo.id).where(
        FlashPromo.store_product_id == item.id, FlashPromo.status != PromoStatus.CANCELLED,
        FlashPromo.starts_at < ends_at, FlashPromo.ends_at > starts_at)
    if exclude is not None:
        stmt = stmt.where(FlashPromo.id != exclude)
    clash = db.session.scalar(stmt.limit(1))
    if clash is not None:
        raise Conflict("Another promo of this store product overlaps that time", details={"promo_id": str(clash)})


def _apply(promo: FlashPromo, account: Account, data: dict[str, Any], *, creating: bool) -> StoreProduct:
    errors: dict = {}
    try:
        item = get_store_product(account, data.get("store_product_id", promo.store_product_id), for_update=True)
    except NotFound:
        raise ValidationError(details={"store_product_id": [f"Unknown store product "
                                                            f"'{data.get('store_product_id')}'."]}) from None
    starts_at = data.get("starts_at", promo.starts_at)
    ends_at = data.get("ends_at", promo.ends_at)
    if starts_at and ends_at and not starts_at < ends_at:
        errors["ends_at"] = ["Must be after starts_at."]
    elif ends_at and ends_at <= utcnow():
        errors["ends_at"] = ["Must be in the future."]
    if creating or "promo_price" in data or "discount_percent" in data:
        price = _price(item, data, errors)
    else:
        price = promo.promo_price  # a move to another store product keeps the price: still below its base?
        if not price < item.base_price:
            errors["promo_price"] = [f"Must be below the base price ({item.base_price})."]
    if errors:
        raise ValidationError(details=errors)
    _check_overlap(item, starts_at, ends_at, exclude=None if creating else promo.id)
    promo.store_product_id, promo.store_id, promo.promo_price = item.id, item.store_id, price
    promo.starts_at, promo.ends_at = starts_at, ends_at
    for name in ("title", "radius_m", "max_per_customer"):
        if data.get(name) is not None:
            setattr(promo, name, data[name])
    if data.get("audience") is not None:
        promo.audience = PromoAudience(data["audience"])
    if data.get("channel") is not None:
        promo.channel = PromoChannel(data["channel"])
    return item


def _schedule_tasks(promo: FlashPromo) -> None:
    # ETA tasks move the promo on time; beat (advance_promos) is the safety net if one is lost or late.
    enqueue_after_commit("promos.activate_promo", str(promo.id), eta=max(promo.starts_at, utcnow()))
    enqueue_after_commit("promos.finish_promo", str(promo.id), eta=promo.ends_at)


@unit_of_work
def create_promo(account: Account, *, actor: User | None, **data) -> FlashPromo:
    """Schedule a promo on a store product: price below the base price, a future window that overlaps no other
    promo of the same store product (409), a radius, an audience and a per-customer limit."""
    promo = FlashPromo(account_id=account.id, status=PromoStatus.SCHEDULED)
    item = _apply(promo, account, data, creating=True)
    if not promo.title:
        promo.title = item.product.name
    db.session.add(promo)
    db.session.flush()
    record_event(account, actor, "promo.created", promo, {"starts_at": promo.starts_at.isoformat(),
                                                          "ends_at": promo.ends_at.isoformat()})
    _schedule_tasks(promo)
    return promo


@unit_of_work
def update_promo(promo: FlashPromo, *, actor: User | None, **changes) -> FlashPromo:
    """Change a promo that has not started (409 once it is active, finished or cancelled)."""
    db.session.refresh(promo, with_for_update=True)
    status = effective_status(promo)
    if status != PromoStatus.SCHEDULED:
        raise Conflict(f"Only a scheduled promo can be changed; this one is {status.value}",
                       details={"status": status.value})
    account = db.session.get(Account, promo.account_id)
    _apply(promo, account, changes, creating=False)
    db.session.flush()
    record_event(account, actor, "promo.updated", promo, {"fields": sorted(changes)})
    _schedule_tasks(promo)
    return promo


@unit_of_work
def cancel_promo(promo: FlashPromo, *, actor: User | None) -> FlashPromo:
    """Cancel a scheduled or running promo; its live holds are cancelled and their stock goes back."""
    db.session.refresh(promo, with_for_update=True)
    status = effective_status(promo)
    if status in (PromoStatus.CANCELLED, PromoStatus.FINISHED):
        raise Conflict(f"The promo is {status.value} already", details={"status": status.value})
    promo.status, promo.cancelled_at = PromoStatus.CANCELLED, utcnow()
    released = release_holds(promo.id)
    record_event(db.session.get(Account, promo.account_id), actor, "promo.cancelled", promo,
                 {"released_units": released})
    return promo


# --- lifecycle (beat and ETA tasks) -----------------------------------------------------------------------------

def _activate(where) -> list:
    now = utcnow()
    return db.session.execute(update(FlashPromo).where(
        FlashPromo.status == PromoStatus.SCHEDULED, FlashPromo.starts_at <= now, FlashPromo.ends_at > now, where)
        .values(status=PromoStatus.ACTIVE, activated_at=now).returning(FlashPromo.id, FlashPromo.account_id,
                                                                       FlashPromo.title)).all()


def _announce(activated: list) -> None:
    for promo_id, account_id, title in activated:
        account = db.session.get(Account, account_id)
        record_event(account, None, "promo.activated", db.session.get(FlashPromo, promo_id))
        notify_members(account, kind="promo.activated", params={"title": title}, link=f"/promos/{promo_id}")
        enqueue_after_commit("promos.notify_promo", str(promo_id))


@unit_of_work
def activate_promo(promo_id: str) -> bool:
    """scheduled → active if its window has come (one conditional UPDATE: once), then notify customers."""
    activated = _activate(FlashPromo.id == promo_id)
    _announce(activated)
    return bool(activated)


@unit_of_work
def finish_promo(promo_id: str) -> bool:
    """scheduled/active → finished once its window is over (a no-op before that, or after a cancel)."""
    now = utcnow()
    return db.session.execute(update(FlashPromo).where(
        FlashPromo.id == promo_id, FlashPromo.status.in_([PromoStatus.SCHEDULED, PromoStatus.ACTIVE]),
        FlashPromo.ends_at <= now).values(status=PromoStatus.FINISHED, finished_at=now)).rowcount > 0


@unit_of_work
def advance_promos() -> dict:
    """Beat: activate every due promo and finish every ended one (late ETA tasks find nothing left to do)."""
    now = utcnow()
    finished = db.session.execute(update(FlashPromo).where(
        FlashPromo.status.in_([PromoStatus.SCHEDULED, PromoStatus.ACTIVE]), FlashPromo.ends_at <= now)
        .values(status=PromoStatus.FINISHED, finished_at=now)).rowcount
    activated = _activate(literal(True))
    _announce(activated)
    return {"activated": len(activated), "finished": finished}


def renotify_active_promos() -> int:
    """Beat (hourly): every active promo notifies again; the log's unique day key lets each customer in once a day,
    and customers already reserving are left out."""
    ids = db.session.scalars(select(FlashPromo.id).where(status_clause(PromoStatus.ACTIVE))).all()
    db.session.rollback()
    for promo_id in ids:
        enqueue("promos.notify_promo", str(promo_id))
    return len(ids)


def promo_count(account: Account) -> int:
    return db.session.scalar(select(func.count()).select_from(FlashPromo).where(
        FlashPromo.account_id == account.id, status_clause(PromoStatus.ACTIVE)))

