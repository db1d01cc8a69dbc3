"""Flash promos under attack: other accounts' ids and tokens, guessed tokens, viewers writing, hostile input."""
import secrets

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.factories import add_member, make_user, own_account
from tests.promos.factories import make_customer, make_promo


@pytest.fixture
def rival(api):
    """Another store owner with a running promo, a customer and a live hold."""
    user = make_user(username="rival")
    account = own_account(user)
    promo = make_promo(account, stock=5)
    customer = make_customer(account, email="rival-customer@example.com")
    client = api.login(user)
    hold = client.post("/reservations", json={"promo_id": str(promo.id), "customer_id": str(customer.id)}).json
    return {"api": client, "promo": promo, "customer": customer, "hold": hold, "account": account}


def test_another_accounts_promo_store_product_and_customer_are_404(owner_api, user, rival):
    promo = rival["promo"]
    for path in (f"/promos/{promo.id}", f"/store-products/{promo.store_product_id}", f"/stores/{promo.store_id}",
                 f"/promos/{promo.id}/notifications"):
        assert owner_api.get(path).status_code == 404, path
    assert owner_api.patch(f"/promos/{promo.id}", json={"radius_m": 1}).status_code == 404
    assert owner_api.delete(f"/promos/{promo.id}").status_code == 404
    assert owner_api.post(f"/store-products/{promo.store_product_id}/adjust", json={"delta": -5}).status_code == 404
    # A hold on their promo, or for their customer on mine, is refused without touching their stock.
    assert owner_api.post("/reservations", json={"promo_id": str(promo.id),
                                                 "customer_id": str(rival["customer"].id)}).status_code == 404
    mine = make_promo(own_account(user), stock=3)
    assert owner_api.post("/reservations", json={"promo_id": str(mine.id),
                                                 "customer_id": str(rival["customer"].id)}).status_code == 404
    assert db.session.scalar(text("SELECT stock FROM store_products WHERE id = :id"),
                             {"id": promo.store_product_id}) == 4


def test_another_accounts_hold_token_is_404_and_the_hold_is_untouched(owner_api, rival):
    token = rival["hold"]["token"]
    assert owner_api.get(f"/reservations/{token}").status_code == 404
    assert owner_api.put(f"/reservations/{token}/checkout").status_code == 404
    assert owner_api.put("/api/cart/cancel", json={"token": token}).status_code == 404
    assert rival["api"].get(f"/reservations/{token}").json["status"] == "held"


def test_guessed_and_malformed_tokens_are_404_never_500(owner_api, rival):
    real = rival["hold"]["token"]
    guesses = [secrets.token_urlsafe(32), real[:-1] + ("A" if real[-1] != "A" else "B"), real[:10], "%", "' OR 1=1 --",
               "x" * 65, "..%2f..%2fetc", "\u00e9\u00e8"]
    for guess in guesses:
        for answer in (rival["api"].get(f"/reservations/{guess}"), rival["api"].put(f"/reservations/{guess}/cancel")):
            assert answer.status_code in (404, 405), (guess, answer.status_code)
    body = rival["api"].put("/reservations/checkout", json={"token": {"$ne": None}})
    assert body.status_code == 422
    assert rival["api"].get(f"/reservations/{real}").json["status"] == "held"


def test_tokens_are_unguessable(rival):
    tokens = db.session.scalars(text("SELECT token FROM reservations")).all()
    assert all(len(t) >= 43 for t in tokens)  # 256 bits of urlsafe base64


def test_a_viewer_reads_promos_but_cannot_hold_or_schedule(api, user, rival):
    viewer = make_user(username="viewer")
    account = own_account(user)
    add_member(account, viewer, "viewer")
    promo = make_promo(account, stock=3)
    customer = make_customer(account)
    client = api.login(viewer).in_account(account)
    assert client.get("/promos").status_code == 200
    assert client.post("/reservations", json={"promo_id": str(promo.id),
                                              "customer_id": str(customer.id)}).status_code == 403
    assert client.delete(f"/promos/{promo.id}").status_code == 403


@pytest.mark.parametrize("body", [
    {"promo_id": "not-a-uuid", "customer_id": "x"},
    {"quantity": 0},
    {"quantity": -5},
    {"quantity": 10 ** 12},
    {"quantity": "1; DROP TABLE reservations"},
])
def test_hostile_hold_bodies_are_422(owner_api, user, body):
    promo = make_promo(own_account(user), stock=3)
    customer = make_customer(own_account(user))
    full = {"promo_id": str(promo.id), "customer_id": str(customer.id), **body}
    assert owner_api.post("/reservations", json=full).status_code == 422
    assert db.session.scalar(text("SELECT stock FROM store_products")) == 3


def test_hostile_promo_input_is_422(owner_api, user):
    promo = make_promo(own_account(user))
    base = {"store_product_id": str(promo.store_product_id), "starts_at": "2030-01-01T00:00:00Z",
            "ends_at": "2030-01-02T00:00:00Z", "promo_price": 1}
    for change in ({"radius_m": 0}, {"radius_m": 10 ** 9}, {"audience": "everyone"}, {"promo_price": -1},
                   {"discount_percent": 100}, {"starts_at": "9999-12-31T23:59:59-05:00"}, {"channel": "sms"},
                   {"promo_price": 1, "discount_percent": 10}):
        assert owner_api.post("/promos", json={**base, **change}).status_code == 422, change
    for query in ("lat=91&lon=0", "lat=abc&lon=1", "lat=1e308&lon=1"):
        assert owner_api.get(f"/promos/active?{query}").status_code == 422, query
