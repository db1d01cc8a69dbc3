"""Customers: create, change and delete them, their consent, orders and tags; list them with filters."""
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import CHANNELS, Account, ConsentChange, Customer, User, utcnow
from app.models.customers import RECENT_ORDERS_KEPT
from app.services import get_owned, unit_of_work
from app.services import customer_fields as cf
from app.services.activity import record_event
from app.services.pagination import Page, paginate
from app.services.search import LIKE_ESCAPE, contains_pattern

SCALAR_FIELDS = ("first_name", "last_name", "email", "phone", "language", "timezone", "city", "country",
                 "orders_count", "last_order_at")
BEHAVIOURS = ("new", "frequent", "returning")
SORTS = {"created_at": Customer.created_at, "email": Customer.email, "last_name": Customer.last_name,
         "orders_count": Customer.orders_count, "last_order_at": Customer.last_order_at}


# --- behaviour, as SQL shared by lists, segments and later domains (promos) ---------------------------------

def frequent_rule() -> tuple[int, int]:
    cfg = current_app.config
    return min(cfg["AUDIENCE_FREQUENT_MIN_ORDERS"], RECENT_ORDERS_KEPT), cfg["AUDIENCE_FREQUENT_DAYS"]


def behaviour_clause(behaviour: str) -> ColumnElement[bool]:
    """new = no orders; frequent = at least N orders in the last D days (the N-th newest order is recent)."""
    if behaviour == "new":
        return Customer.orders_count == 0
    frequent = frequent_now()
    if behaviour == "frequent":
        return frequent
    if behaviour == "returning":
        return and_(Customer.orders_count > 0, func.coalesce(frequent, False).is_(False))
    raise ValidationError(details={"behaviour": [f"Must be one of: {', '.join(BEHAVIOURS)}."]})


def frequent_now() -> ColumnElement[bool]:
    """Whether a customer is frequent at the statement's time (NULL without enough orders): with the row, all that
    `behaviour_of` depends on. It only ever turns from true to false as time passes."""
    orders, days = frequent_rule()
    return Customer.recent_orders[orders] >= func.now() - timedelta(days=days)


def behaviour_of(customer: Customer) -> str:
    if not customer.orders_count:
        return "new"
    orders, days = frequent_rule()
    recent = customer.recent_orders or []
    if len(recent) >= orders and recent[orders - 1] >= utcnow() - timedelta(days=days):
        return "frequent"
    return "returning"


def location_of(customer: Customer) -> dict | None:
    if customer.location is None:
        return None
    if isinstance(customer.location, str):  # just assigned, not reloaded yet
        db.session.refresh(customer, ["location"])
    point = to_shape(customer.location)
    return {"type": "point", "coordinates": [point.x, point.y]}


# --- reading -------------------------------------------------------------------------------------------------

def get_customer(account: Account, customer_id) -> Customer:
    return get_owned(Customer, account, customer_id)


def list_customers(account: Account, *, page: int, size: int, **filters: Any) -> Page:
    """A page of the account's customers matching the list filters (see customers_query)."""
    return paginate(customers_query(account, **filters), page=page, size=size)


def customers_query(account: Account, *, search: str | None = None, tag: str | None = None,
                    language: str | None = None, consent: str | None = None, behaviour: str | None = None,
                    sort: str = "-created_at") -> Select:
    """Customers of `account` matching the list filters, in a stable order."""
    stmt = select(Customer).where(Customer.account_id == account.id)
    if search:
        like = contains_pattern(search.strip())  # % and _ typed in a search are plain characters
        stmt = stmt.where(or_(*(column.ilike(like, escape=LIKE_ESCAPE) for column in (
            Customer.first_name, Customer.last_name, Customer.email, Customer.phone,
            Customer.first_name + " " + Customer.last_name))))
    if tag:
        stmt = stmt.where(Customer.tags.contains([tag.strip().lower()]))
    if language:
        stmt = stmt.where(Customer.language == language.strip().lower())
    if consent:
        if consent not in CHANNELS:
            raise ValidationError(details={"consent": [f"Must be one of: {', '.join(CHANNELS)}."]})
        stmt = stmt.where(getattr(Customer, f"{consent}_consent").is_(True))
    if behaviour:
        stmt = stmt.where(behaviour_clause(behaviour))
    column = SORTS.get(sort.lstrip("-"), Customer.created_at)
    ordered = column.desc().nulls_last() if sort.startswith("-") else column.asc().nulls_last()
    return stmt.order_by(ordered, Customer.id)


# --- writing -------------------------------------------------------------------------------------------------

def _apply(customer: Customer, account: Account, data: dict[str, Any], errors: dict) -> None:
    """Normalise and set the given fields; collect field errors instead of stopping at the first."""
    normalisers = {
        "email": cf.normalize_email, "phone": lambda v: cf.normalize_phone(v, account.default_region),
        "language": cf.normalize_language, "timezone": cf.normalize_timezone, "country": cf.normalize_country,
    }
    for name in SCALAR_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip() or None
        try:
            if value is not None and name in normalisers:
                value = normalisers[name](value)
        except cf.FieldError as exc:
            errors[name] = [str(exc)]
            continue
        if name in ("first_name", "last_name"):
            value = value or ""
        if name == "language":
            value = value or account.language or "en"
        if name == "orders_count":
            value = value or 0
        setattr(customer, name, value)
    if "tags" in data:
        try:
            customer.tags = cf.normalize_tags(data["tags"] or [])
        except cf.FieldError as exc:
            errors["tags"] = [str(exc)]
    if "location" in data:
        point = data["location"]
        customer.location = cf.point_wkt(*point["coordinates"]) if point else None
    if "attributes" in data:
        customer.attributes = dict(data["attributes"] or {})


def _check_unique(customer: Customer, account: Account) -> None:
    errors = {}
    for field in ("email", "phone"):
        value = getattr(customer, field)
        if value is None:
            continue
        clash = db.session.scalar(select(Customer.id).where(
            Customer.account_id == account.id, getattr(Customer, field) == value,
            Customer.id != customer.id if customer.id else literal(True)))
        if clash:
            errors[field] = [f"Another customer of this account already has this {field}."]
    if errors:
        raise Conflict("A customer with this email or phone already exists", details=errors)


def _set_consent(customer: Customer, channel: str, granted: bool, source: str) -> bool:
    if getattr(customer, f"{channel}_consent") is granted:
        return False
    now = utcnow()
    setattr(customer, f"{channel}_consent", granted)
    setattr(customer, f"{channel}_consent_at", now)
    setattr(customer, f"{channel}_consent_source", source)
    db.session.add(ConsentChange(account_id=customer.account_id, customer_id=customer.id, channel=channel,
                                 granted=granted, source=source, created_at=now))
    return True


def _save(customer: Customer, account: Account, data: dict) -> Customer:
    errors: dict = {}
    _apply(customer, account, data, errors)
    if not customer.email and not customer.phone and "email" not in errors and "phone" not in errors:
        errors["email"] = ["A customer needs an email or a phone."]
    if errors:
        raise ValidationError(details=errors)
    _check_unique(customer, account)
    if customer.id is None:
        customer.id = uuid.uuid4()
    db.session.add(customer)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent writer took the email or phone between our check and the insert
        raise Conflict("A customer with this email or phone already exists") from None
    source = data.get("consent_source") or "api"
    for channel, granted in (data.get("consent") or {}).items():
        if granted is not None:
            _set_consent(customer, channel, bool(granted), source)
    return customer


@unit_of_work
def create_customer(account: Account, *, actor: User | None, **data) -> Customer:
    """Add one customer; email and phone are normalised and unique within the account."""
    customer = Customer(account_id=account.id, language=account.language or "en", tags=[], attributes={},
                        recent_orders=[])
    _save(customer, account, {"language": None, **data})
    record_event(account, actor, "customer.created", customer)
    return customer


@unit_of_work
def update_customer(customer: Customer, *, actor: User | None, replace: bool = False, **data) -> Customer:
    """Change a customer; with `replace` (PUT) the fields not given go back to their defaults."""
    account = customer.account
    if replace:
        defaults = {f: None for f in SCALAR_FIELDS}
        defaults.update(tags=[], location=None, attributes={})
        data = {**defaults, **data}
    _save(customer, account, data)
    record_event(account, actor, "customer.updated", customer, {"fields": sorted(data)})
    return customer


@unit_of_work
def delete_customer(customer: Customer, *, actor: User | None) -> None:
    """Forget a customer (and their consent history)."""
    record_event(customer.account, actor, "customer.deleted", customer, {"email": customer.email, "phone": customer.phone})
    db.session.delete(customer)


@unit_of_work
def set_consent(customer: Customer, *, channel: str, granted: bool, source: str) -> bool:
    """Record a consent change for one channel with its source (e.g. 'unsubscribe-link'); False if unchanged."""
    if channel not in CHANNELS:
        raise ValidationError(details={"channel": [f"Must be one of: {', '.join(CHANNELS)}."]})
    return _set_consent(customer, channel, granted, source)


@unit_of_work
def record_order(customer: Customer, *, at: datetime | None = None) -> Customer:
    """Count one order (a checkout): keeps orders_count, last_order_at and the recent orders behind 'frequent'."""
    at = at or utcnow()
    # One statement that reads and writes the row: concurrent orders each add one. Counting in Python from the
    # loaded row lost updates (30 parallel orders counted +25).
    recent = text("ARRAY(SELECT o FROM unnest(array_append(customers.recent_orders, CAST(:at AS timestamptz))) AS o "
                  "ORDER BY o DESC LIMIT :kept)").bindparams(at=at, kept=RECENT_ORDERS_KEPT)
    return db.session.scalars(
        update(Customer).where(Customer.id == customer.id)
        .values(orders_count=func.coalesce(Customer.orders_count, 0) + 1,
                last_order_at=func.greatest(Customer.last_order_at, at), recent_orders=recent)
        .returning(Customer).execution_options(populate_existing=True, synchronize_session=False)
    ).one()


def consent_history(customer: Customer) -> list[ConsentChange]:
    return db.session.scalars(select(ConsentChange).where(ConsentChange.customer_id == customer.id)
                              .order_by(ConsentChange.created_at.desc(), ConsentChange.id.desc())).all()


@unit_of_work
def tag_customers(account: Account, *, actor: User | None, add=(), remove=(), customer_ids=None,
                  filters: dict | None = None) -> int:
    """Add and remove tags on many customers in one statement; by ids, or every customer matching `filters`."""
    try:
        add, remove = cf.normalize_tags(add or []), cf.normalize_tags(remove or [])
    except cf.FieldError as exc:
        raise ValidationError(details={"tags": [str(exc)]}) from None
    if not add and not remove:
        raise ValidationError(details={"add": ["Give tags to add or to remove."]})
    if customer_ids is not None:
        target = select(Customer.id).where(Customer.account_id == account.id, Customer.id.in_(customer_ids))
    else:
        target = customers_query(account, **(filters or {})).with_only_columns(Customer.id).order_by(None)
    new_tags = text("ARRAY(SELECT DISTINCT t FROM unnest(customers.tags || CAST(:add AS varchar[])) AS t "
                    "WHERE t <> ALL(CAST(:remove AS varchar[])) ORDER BY t)").bindparams(add=add, remove=remove)
    changed = db.session.execute(
        update(Customer).where(Customer.account_id == account.id, Customer.id.in_(target))
        .values(tags=new_tags, updated_at=func.now()).execution_options(synchronize_session=False)
    ).rowcount
    record_event(account, actor, "customers.tagged", None, {"add": add, "remove": remove, "count": changed})
    return changed


def count_customers(account: Account) -> int:
    return db.session.scalar(select(func.count()).select_from(Customer).where(Customer.account_id == account.id))
