"""Stock holds: take stock with one conditional statement, give it back exactly once (checkout, cancel, expiry).

Every way out of `held` is one conditional UPDATE on the reservation (`WHERE status = 'held'`), joined in the same
statement to the stock it gives back, so whichever of checkout, cancel and expiry wins a race, stock moves once.
"""
import functools
import secrets
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import Enum, select, text

from app import dbpool
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Account, Customer, FlashPromo, PromoStatus, Reservation, ReservationStatus, utcnow
from app.services import detached, get_owned, unit_of_work
from app.services.activity import record_event
from app.services.customers import record_order

# One round trip of two statements. The first makes the hold's commit asynchronous (a lost hold is harmless:
# nobody paid, and its stock was never taken either) and takes the customer's advisory lock for this promo. The
# second, which sees what committed before the lock was granted (READ COMMITTED: a snapshot per statement), checks
# the promo (the account's, running now) and the customer (the account's), takes the stock (only if enough is free)
# and creates the hold only if it was taken; the customer's live holds and purchases of this promo are counted in
# it, under that lock, so concurrent holds of one customer cannot pass the limit together. One round trip while
# the stock row is locked: that is the limit.
_HOLD_TEXT = """
SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(hashtextextended(:lock_key, 0));
WITH promo AS (
    SELECT id, store_product_id, promo_price, max_per_customer FROM promos
    WHERE id = :promo_id AND account_id = :account_id AND status <> 'cancelled'
      AND starts_at <= now() AND ends_at > now()
), customer AS (
    SELECT id FROM customers WHERE id = :customer_id AND account_id = :account_id
), taken AS (
    UPDATE store_products sp SET stock = sp.stock - :quantity, updated_at = now()
    FROM promo, customer
    WHERE sp.id = promo.store_product_id AND sp.stock >= :quantity
      AND (SELECT coalesce(sum(quantity), 0) FROM reservations
           WHERE promo_id = promo.id AND customer_id = customer.id
             AND (status = 'confirmed' OR (status = 'held' AND expires_at > now()))) + :quantity
          <= promo.max_per_customer
    RETURNING sp.id, promo.promo_price
)
INSERT INTO reservations (id, account_id, promo_id, store_product_id, customer_id, quantity, status, token,
                          unit_price, expires_at, created_at, updated_at)
SELECT :id, :account_id, :promo_id, taken.id, :customer_id, :quantity, 'held', :token, taken.promo_price,
       now() + make_interval(secs => :hold_seconds), now(), now()
FROM taken
RETURNING {columns}
"""
_HOLD_COLUMNS = [(attr.key, attr.columns[0]) for attr in Reservation.__mapper__.column_attrs]
_HOLD = text(_HOLD_TEXT.format(columns=", ".join(column.name for _, column in _HOLD_COLUMNS)))
# What the driver gives back as text and the model holds as an enum member (psycopg2 gives the rest as typed).
_HOLD_ENUMS = {key: column.type.enum_class for key, column in _HOLD_COLUMNS
               if isinstance(column.type, Enum) and column.type.enum_class is not None}

# Expire due holds (all, or one store product's) and give their stock back, in one statement. SKIP LOCKED: a hold
# being checked out or cancelled right now is that transaction's to decide.
_EXPIRE = """
WITH due AS (
    SELECT id FROM reservations
    WHERE status = 'held' AND expires_at <= now() {scope}
    ORDER BY expires_at LIMIT :limit FOR UPDATE SKIP LOCKED
), expired AS (
    UPDATE reservations r SET status = 'expired', expired_at = now(), updated_at = now()
    FROM due WHERE r.id = due.id AND r.status = 'held'
    RETURNING r.store_product_id, r.quantity
), back AS (
    SELECT store_product_id, sum(quantity) AS units, count(*) AS holds FROM expired GROUP BY store_product_id
), restored AS (
    UPDATE store_products sp SET stock = sp.stock + back.units, updated_at = now()
    FROM back WHERE sp.id = back.store_product_id
    RETURNING back.holds
)
SELECT coalesce(sum(holds), 0) FROM restored
"""
_EXPIRE_ALL = text(_EXPIRE.format(scope=""))
_EXPIRE_ONE = text(_EXPIRE.format(scope="AND store_product_id = :store_product_id"))

# Leave `held` for `status` (cancelled) and give the stock back, in one statement.
_RELEASE = """
WITH released AS (
    UPDATE reservations SET status = 'cancelled', cancelled_at = now(), updated_at = now()
    WHERE {where} AND status = 'held'
    RETURNING store_product_id, quantity
), back AS (
    SELECT store_product_id, sum(quantity) AS units FROM released GROUP BY store_product_id
)
UPDATE store_products sp SET stock = sp.stock + back.units, updated_at = now()
FROM back WHERE sp.id = back.store_product_id
RETURNING back.units
"""
_CANCEL_ONE = text(_RELEASE.format(where="id = :id"))
_CANCEL_PROMO = text(_RELEASE.format(where="promo_id = :promo_id"))


def hold_seconds() -> int:
    return int(current_app.config["HOLD_SECONDS"])


def new_token() -> str:
    """256 random bits, URL-safe: the token alone lets its bearer check out or cancel."""
    return secrets.token_urlsafe(32)


@unit_of_work
def hold_stock(account: Account, *, promo_id, customer_id, quantity: int) -> Reservation:
    """Hold `quantity` units of an active promo for a customer of `account` for HOLD_SECONDS: 404 for another
    account's (or an unknown) promo or customer, 409 if the promo is not running, stock is short, or the customer's
    limit for the promo would be passed. On the way that succeeds, one query between the transaction's BEGIN and
    COMMIT."""
    params = {"id": uuid.uuid4(), "account_id": account.id, "promo_id": promo_id, "customer_id": customer_id,
              "quantity": quantity, "token": new_token(), "hold_seconds": hold_seconds(),
              "lock_key": f"hold:{promo_id}:{customer_id}"}
    created = _hold(params)
    if created is None:
        promo, customer = _refusal_subjects(account, promo_id, customer_id)
        if _expire(promo.store_product_id):  # stock came back from holds past their time: once more
            created = _hold(params)
        if created is None:
            _explain_refusal(promo, customer, quantity)
    return created


@functools.cache
def _hold_sql() -> str:
    return dbpool.compiled(_HOLD)[0]


def _hold(params: dict) -> Reservation | None:
    """The hold statement in the session's transaction; the hold it created, outside the session (its commit
    does not expire it: the answer is built from the row the INSERT returned, with no SELECT after the commit)."""
    row = dbpool.fetch_one(_hold_sql(), params, session=db.session)
    if row is None:
        return None
    values = {key: value for (key, _), value in zip(_HOLD_COLUMNS, row)}
    for key, enum_class in _HOLD_ENUMS.items():
        values[key] = enum_class(values[key])
    return detached(Reservation, values)


def reserve_stock(promo: FlashPromo, *, customer: Customer, quantity: int) -> Reservation:
    """hold_stock for loaded rows (tasks, pages and tests)."""
    return hold_stock(db.session.get(Account, promo.account_id), promo_id=promo.id, customer_id=customer.id,
                      quantity=quantity)


def _refusal_subjects(account: Account, promo_id, customer_id) -> tuple[FlashPromo, Customer]:
    """Why the hold statement inserted nothing, first part: an unknown promo or customer (404), a promo not
    running (409)."""
    promo = get_owned(FlashPromo, account, promo_id, label="Promo")
    now = utcnow()
    status = ("cancelled" if promo.status == PromoStatus.CANCELLED else "scheduled" if now < promo.starts_at
              else "finished" if now >= promo.ends_at else None)
    if status is not None:
        raise Conflict(f"The promo is {status}, not active", details={"status": status})
    return promo, get_owned(Customer, account, customer_id)


def _explain_refusal(promo: FlashPromo, customer: Customer, quantity: int):
    taken = db.session.scalar(text(
        "SELECT coalesce(sum(quantity), 0) FROM reservations WHERE promo_id = :p AND customer_id = :c "
        "AND (status = 'confirmed' OR (status = 'held' AND expires_at > now()))"), {"p": promo.id, "c": customer.id})
    if taken + quantity > promo.max_per_customer:
        raise Conflict(f"At most {promo.max_per_customer} per customer in this promo",
                       details={"max_per_customer": promo.max_per_customer, "already": int(taken)})
    stock = db.session.scalar(text("SELECT stock FROM store_products WHERE id = :id"),
                              {"id": promo.store_product_id})
    raise Conflict("Not enough stock left for this promo", details={"quantity": quantity, "available": stock})


def _expire(store_product_id=None, *, limit: int = 1000) -> int:
    if store_product_id is None:
        return int(db.session.execute(_EXPIRE_ALL, {"limit": limit}).scalar() or 0)
    return int(db.session.execute(_EXPIRE_ONE, {"limit": limit, "store_product_id": store_product_id}).scalar() or 0)


@unit_of_work
def expire_holds(*, limit: int = 1000) -> int:
    """Beat: expire holds past their time and give their stock back (each hold once); how many."""
    return _expire(limit=limit)


def release_holds(promo_id) -> int:
    """Cancel every live hold of a promo (a cancelled promo); units given back. Joins the caller's unit of work."""
    return sum(db.session.execute(_CANCEL_PROMO, {"promo_id": promo_id}).scalars())


@unit_of_work
def get_reservation(account: Account, token: str) -> Reservation:
    """The account's reservation with this token, expired first if its time has passed (lazy expiry)."""
    reservation = _by_token(account, token)
    if reservation.status == ReservationStatus.HELD and reservation.expires_at <= utcnow():
        _expire(reservation.store_product_id)
        db.session.refresh(reservation)
    return reservation


def _by_token(account: Account, token: str) -> Reservation:
    reservation = None
    if isinstance(token, str) and 0 < len(token) <= 64:
        reservation = db.session.scalar(select(Reservation).where(
            Reservation.token == token, Reservation.account_id == account.id))
    if reservation is None:
        # A guessed token, another account's and a malformed one look the same.
        raise NotFound("Reservation not found")
    return reservation


def seconds_left(reservation: Reservation, now: datetime | None = None) -> int:
    if reservation.status != ReservationStatus.HELD:
        return 0
    return max(0, int((reservation.expires_at - (now or utcnow())).total_seconds()))


def _refuse(reservation: Reservation, action: str):
    db.session.refresh(reservation)
    if reservation.status == ReservationStatus.HELD:  # held, but its time is up: expire it now
        _expire(reservation.store_product_id)
        # Committed before raising: the Conflict below rolls the unit of work back, the expiry must stay.
        db.session.commit()
        raise Conflict("The hold expired; reserve again", details={"status": "expired"})
    status = reservation.status.value
    message = {"expired": "The hold expired; reserve again",
               "confirmed": "This reservation was checked out already",
               "cancelled": "This reservation was cancelled"}[status]
    raise Conflict(f"Cannot {action}: {message[0].lower() + message[1:]}", details={"status": status})


@unit_of_work
def checkout(account: Account, token: str, *, actor=None) -> Reservation:
    """held → confirmed if the hold is still live (one conditional UPDATE), and the customer's order is counted;
    a late checkout is a Conflict that says the hold expired."""
    reservation = _by_token(account, token)
    won = db.session.execute(text(
        "UPDATE reservations SET status = 'confirmed', confirmed_at = now(), updated_at = now() "
        "WHERE id = :id AND status = 'held' AND expires_at > now() RETURNING id"), {"id": reservation.id}).scalar()
    if won is None:
        _refuse(reservation, "check out")
    db.session.refresh(reservation)
    record_order(reservation.customer)
    record_event(db.session.get(Account, reservation.account_id), actor, "reservation.confirmed", reservation,
                 {"promo_id": str(reservation.promo_id), "quantity": reservation.quantity})
    return reservation


@unit_of_work
def cancel(account: Account, token: str, *, actor=None) -> Reservation:
    """held → cancelled (one conditional UPDATE joined to the stock it gives back); twice gives back once."""
    reservation = _by_token(account, token)
    released = db.session.execute(_CANCEL_ONE, {"id": reservation.id}).scalar()
    if released is None:
        _refuse(reservation, "cancel")
    db.session.refresh(reservation)
    record_event(db.session.get(Account, reservation.account_id), actor, "reservation.cancelled", reservation,
                 {"promo_id": str(reservation.promo_id), "quantity": reservation.quantity})
    return reservation
