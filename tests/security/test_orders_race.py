"""Finding 10: concurrent orders of one customer must each count; finding 13: an order is idempotent by key."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, IdempotencyKey, utcnow
from app.models.customers import RECENT_ORDERS_KEPT
from tests.audience.factories import make_customer
from tests.factories import own_account

ORDERS = 40


def test_concurrent_orders_of_one_customer_are_all_counted(live_url, owner_api, user):
    customer = make_customer(own_account(user))
    base = utcnow() - timedelta(days=1)
    headers = dict(owner_api.headers)
    url = f"{live_url}/api/v1/customers/{customer.id}/orders"

    def order(n: int) -> int:
        at = (base + timedelta(minutes=n)).isoformat()
        return requests.post(url, json={"ordered_at": at}, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=ORDERS) as pool:
        statuses = list(pool.map(order, range(ORDERS)))
    assert statuses == [201] * ORDERS
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert customer.orders_count == ORDERS
    assert customer.last_order_at == base + timedelta(minutes=ORDERS - 1)
    newest = [base + timedelta(minutes=n) for n in range(ORDERS - 1, ORDERS - 1 - RECENT_ORDERS_KEPT, -1)]
    assert customer.recent_orders == newest


def test_an_order_answers_with_the_counted_customer(owner_api, user):
    customer = make_customer(own_account(user))
    first = owner_api.post(f"/customers/{customer.id}/orders", json={"ordered_at": "2026-03-01T10:00:00Z"})
    older = owner_api.post(f"/customers/{customer.id}/orders", json={"ordered_at": "2026-02-01T10:00:00Z"})
    assert (first.status_code, older.status_code) == (201, 201)
    assert (first.json["orders_count"], older.json["orders_count"]) == (1, 2)
    assert older.json["last_order_at"] == "2026-03-01T10:00:00Z"  # an older order does not move it back


def test_a_repeated_order_with_the_same_idempotency_key_counts_once(owner_api, user):
    customer = make_customer(own_account(user))
    path = f"/customers/{customer.id}/orders"
    body = {"ordered_at": "2026-03-01T10:00:00Z"}
    first = owner_api.post(path, json=body, headers={"Idempotency-Key": "order-1"})
    again = owner_api.post(path, json=body, headers={"Idempotency-Key": "order-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    other = owner_api.post(path, json={"ordered_at": "2026-03-02T10:00:00Z"}, headers={"Idempotency-Key": "order-1"})
    assert other.status_code == 422 and "Idempotency-Key" in other.json["details"]
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).orders_count == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
