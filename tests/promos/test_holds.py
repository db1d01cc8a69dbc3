"""Stock holds: taken with one conditional statement, given back exactly once, whatever the concurrency."""
import functools
from datetime import timedelta

from sqlalchemy import text, update

from app.errors import Conflict
from app.extensions import db
from app.models import Customer, FlashPromo, Reservation, ReservationStatus, StoreProduct
from app.services import reservations
from tests.factories import own_account, race
from tests.promos.factories import make_customer, make_promo, many_customers


def _stock(item_id) -> int:
    return db.session.scalar(text("SELECT stock FROM store_products WHERE id = :id"), {"id": item_id})


def _in_threads(app, count: int, work, *, workers: int = 50) -> list:
    """work(i) for each i below `count` on `workers` threads (tests.factories.race); a refusal (409) gives None."""
    results = race(app, [functools.partial(work, i) for i in range(count)], catch=(Conflict,), workers=workers)
    return [None if isinstance(r, Conflict) else r for r in results]


def _age(reservation_id, seconds: int = 120) -> None:
    db.session.execute(update(Reservation).where(Reservation.id == reservation_id)
                       .values(expires_at=Reservation.expires_at - timedelta(seconds=seconds)))
    db.session.commit()


def test_hold_api_answers_201_with_a_token_then_409_when_stock_is_short(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=1)
    first, second = (make_customer(account, email=f"c{i}@example.com") for i in range(2))
    held = owner_api.post("/reservations", json={"promo_id": str(promo.id), "customer_id": str(first.id)})
    assert held.status_code == 201, held.json
    assert held.json["status"] == "held" and len(held.json["token"]) >= 43
    assert 55 <= held.json["seconds_left"] <= 60
    short = owner_api.post("/api/cart/reserve", json={"promo_id": str(promo.id), "customer_id": str(second.id)})
    assert short.status_code == 409 and short.json["details"]["available"] == 0


def test_the_per_customer_limit_holds(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=10, max_per_customer=2)
    customer = make_customer(account, email="c@example.com")
    body = {"promo_id": str(promo.id), "customer_id": str(customer.id)}
    assert owner_api.post("/reservations", json=dict(body, quantity=2)).status_code == 201
    over = owner_api.post("/reservations", json=body)
    assert over.status_code == 409 and over.json["details"]["max_per_customer"] == 2


def test_a_hold_needs_an_active_promo(owner_api, user):
    account = own_account(user)
    later = make_promo(account, started=-timedelta(hours=1))
    customer = make_customer(account, email="c@example.com")
    answer = owner_api.post("/reservations", json={"promo_id": str(later.id), "customer_id": str(customer.id)})
    assert answer.status_code == 409 and answer.json["details"]["status"] == "scheduled"


def test_idempotency_key_gives_the_first_hold_again(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_customer(account, email="c@example.com")
    body = {"promo_id": str(promo.id), "customer_id": str(customer.id)}
    first = owner_api.post("/reservations", json=body, headers={"Idempotency-Key": "k1"})
    again = owner_api.post("/reservations", json=body, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json["token"] == first.json["token"]
    assert _stock(promo.store_product_id) == 4


def test_checkout_confirms_and_counts_an_order_and_a_late_one_says_expired(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_customer(account, email="c@example.com")
    body = {"promo_id": str(promo.id), "customer_id": str(customer.id)}
    token = owner_api.post("/reservations", json=body).json["token"]
    done = owner_api.put(f"/reservations/{token}/checkout")
    assert done.status_code == 200 and done.json["status"] == "confirmed"
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).orders_count == 1
    assert owner_api.put("/api/cart/checkout", json={"token": token}).status_code == 409
    late = owner_api.post("/reservations", json=body).json
    _age(late["id"])
    answer = owner_api.put(f"/reservations/{late['token']}/checkout")
    assert answer.status_code == 409 and "expired" in answer.json["error"]
    assert owner_api.get(f"/reservations/{late['token']}").json["status"] == "expired"
    assert _stock(promo.store_product_id) == 4  # one sold, the expired one back


def test_get_expires_lazily_and_gives_stock_back(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=3)
    customer = make_customer(account, email="c@example.com")
    held = owner_api.post("/reservations", json={"promo_id": str(promo.id), "customer_id": str(customer.id),
                                                 "quantity": 1}).json
    _age(held["id"])
    shown = owner_api.get(f"/reservations/{held['token']}")
    assert shown.json["status"] == "expired" and shown.json["seconds_left"] == 0
    assert _stock(promo.store_product_id) == 3


def test_200_concurrent_holds_on_stock_50_give_exactly_50(app, user):
    account = own_account(user)
    promo = make_promo(account, stock=50)
    ids = many_customers(account, 200)

    def hold(i):
        promo_row = db.session.get(FlashPromo, promo.id)
        return reservations.reserve_stock(promo_row, customer=db.session.get(Customer, ids[i]), quantity=1).id

    results = _in_threads(app, 200, hold)
    assert sum(1 for r in results if r is not None) == 50
    assert _stock(promo.store_product_id) == 0
    assert db.session.scalar(text("SELECT count(*) FROM reservations WHERE status = 'held'")) == 50


def test_one_customer_racing_themselves_stays_within_the_limit(app, user):
    account = own_account(user)
    promo = make_promo(account, stock=100, max_per_customer=3)
    customer = make_customer(account, email="c@example.com")

    def hold(_i):
        return reservations.reserve_stock(db.session.get(FlashPromo, promo.id),
                                          customer=db.session.get(Customer, customer.id), quantity=1).id

    results = _in_threads(app, 30, hold, workers=30)
    assert sum(1 for r in results if r is not None) == 3
    assert _stock(promo.store_product_id) == 97


def test_checkout_racing_expiry_restores_stock_at_most_once(app, user):
    account = own_account(user)
    promo = make_promo(account, stock=40, max_per_customer=1)
    ids = many_customers(account, 40)
    holds = [reservations.reserve_stock(db.session.get(FlashPromo, promo.id),
                                        customer=db.session.get(Customer, cid), quantity=1) for cid in ids]
    tokens = [(h.id, h.token) for h in holds]
    # Each hold expires right now: checkout and the sweep race for every one of them.
    db.session.execute(update(Reservation).values(expires_at=text("now() + interval '150 milliseconds'")))
    db.session.commit()
    import time
    time.sleep(0.15)

    def checkout_or_expire(i):
        if i % 2:
            return reservations.expire_holds()
        return reservations.checkout(account, tokens[i // 2][1]).status

    _in_threads(app, 80, checkout_or_expire, workers=40)
    reservations.expire_holds()
    confirmed = db.session.scalar(text("SELECT count(*) FROM reservations WHERE status = 'confirmed'"))
    expired = db.session.scalar(text("SELECT count(*) FROM reservations WHERE status = 'expired'"))
    assert confirmed + expired == 40
    assert _stock(promo.store_product_id) == expired  # every expired unit back once, confirmed ones sold


def test_cancel_twice_gives_stock_back_once(app, owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5)
    customer = make_customer(account, email="c@example.com")
    held = reservations.reserve_stock(promo, customer=customer, quantity=1)
    token = held.token

    def cancel(_i):
        return reservations.cancel(account, token).status

    results = _in_threads(app, 10, cancel, workers=10)
    assert results.count(ReservationStatus.CANCELLED) == 1
    assert _stock(promo.store_product_id) == 5
    assert owner_api.put(f"/reservations/{token}/cancel").status_code == 409


def test_cancelling_a_promo_releases_its_holds(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_customer(account, email="c@example.com")
    reservations.reserve_stock(promo, customer=customer, quantity=3)
    assert _stock(promo.store_product_id) == 2
    assert owner_api.delete(f"/promos/{promo.id}").status_code == 200
    assert _stock(promo.store_product_id) == 5
    assert db.session.scalar(text("SELECT status FROM reservations")) == "cancelled"


def test_stock_cannot_be_adjusted_below_what_is_free(owner_api, user):
    account = own_account(user)
    promo = make_promo(account, stock=5, max_per_customer=5)
    customer = make_customer(account, email="c@example.com")
    reservations.reserve_stock(promo, customer=customer, quantity=4)
    url = f"/store-products/{promo.store_product_id}/adjust"
    assert owner_api.post(url, json={"delta": -2}).status_code == 409
    assert owner_api.post(url, json={"delta": -1}).json["stock"] == 0
    assert db.session.get(StoreProduct, promo.store_product_id) is not None
