"""Stock holds: take stock with one conditional statement, give it back exactly once (checkout, cancel, expiry).

Every way out of `held` is one conditional UPDATE on the reservation (`WHERE status = 'held'`), joined in the same
statement to the stock it gives back, so whichever of checkout, cancel and expiry wins a race, stock moves once.
"""
import secrets
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import select, text

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Account, Customer, FlashPromo, Reservation, ReservationStatus, utcnow
from app.services import unit_of_work
from app.services.activity import record_event
from app.services.customers import record_order

# One statement: take the stock (only if enough is free) and create the hold only if it was taken. The customer's
# live holds and purchases of this promo are counted in the same statement, under the advisory lock taken just
# before, so concurrent holds of one customer cannot pass the limit together.
_HOLD = text("""
WITH taken AS (
    UPDATE store_products SET stock = stock - :quantity, updated_at = now()
    WHERE id = :store_product_id AND stock >= :quantity
      AND (SELECT coalesce(sum(quantity), 0) FROM reservations
           WHERE promo_id = :promo_id AND customer_id = :customer_id
             AND (status = 'confirmed' OR (status = 'held' AND expires_at > now()))) + :quantity <= :limit
    RETURNING id
)
INSERT INTO reservations (id, account_id, promo_id, store_product_id, customer_id, quantity, status, token,
                          unit_price, expires_at, created_at, updated_at)
SELECT :id, :account_id, :promo_id, taken.id, :customer_id, :quantity, 'held', :token, :unit_price,
       now() + make_interval(secs => :hold_seconds), now(), now()
FROM taken
RETURNING id
""")

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
def reserve_stock(promo: FlashPromo, *, customer: Customer, quantity: int) -> Reservation:
    """Hold `quantity` units for `customer` for HOLD_SECONDS; Conflict (409) if stock is short or the customer's
    limit for the promo would be passed. The promo must be active (checked by the caller's lookup)."""
    session = db.session
    # A lost hold is harmless (nobody paid; its stock was never taken either): holds need no durable flush.
    session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": f"hold:{promo.id}:{customer.id}"})
    params = {"id": uuid.uuid4(), "account_id": promo.account_id, "promo_id": promo.id,
              "store_product_id": promo.store_product_id, "customer_id": customer.id, "quantity": quantity,
              "limit": promo.max_per_customer, "token": new_token(), "unit_price": promo.promo_price,
              "hold_seconds": hold_seconds()}
    created = session.execute(_HOLD, params).scalar()
    if created is None and _expire(promo.store_product_id):
        created = session.execute(_HOLD, params).scalar()  # stock came back from holds past their time
    if created is None:
        _explain_refusal(promo, customer, quantity)
    return session.get(Reservation, created)


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


def get_reservation(account: Account, token: str) -> Reservation:
    """The account's reservation with this token, expired first if its time has passed (lazy expiry)."""
    reservation = _by_token(account, token)
    if reservation.status == ReservationStatus.HELD and reservation.expires_at <= utcnow():
        _expire(reservation.store_product_id)
        db.session.commit()
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
