"""Scheduling promos: prices, windows, overlaps, the status from the clock, active promos near a point."""
from datetime import timedelta

import pytest

from app.api_paths import canonical_path
from app.extensions import db
from app.models import FlashPromo, PromoStatus, utcnow
from app.services import promos
from tests.factories import own_account
from tests.promos.factories import CENTRE, make_promo, make_stock, make_store, point_at, shift


def _iso(when):
    return when.isoformat().replace("+00:00", "Z")


def test_a_promo_is_created_scheduled_below_the_base_price(owner_api, user):
    item = make_stock(own_account(user), price="10.00")
    start = utcnow() + timedelta(hours=1)
    body = {"store_product_id": str(item.id), "discount_percent": 25, "starts_at": _iso(start),
            "ends_at": _iso(start + timedelta(hours=2)), "audience": "frequent"}
    created = owner_api.post("/promos", json=body)
    assert created.status_code == 201, created.json
    assert created.json["status"] == "scheduled" and created.json["promo_price"] == 7.5
    assert created.json["radius_m"] == 2000 and created.json["audience"] == "frequent"
    too_dear = owner_api.post("/promos", json=dict(body, discount_percent=None, promo_price=10))
    assert too_dear.status_code == 422
    backwards = owner_api.post("/promos", json=dict(body, ends_at=_iso(start - timedelta(minutes=1))))
    assert backwards.status_code == 422 and "ends_at" in backwards.json["details"]


def test_overlapping_promos_on_one_store_product_are_refused(owner_api, user):
    item = make_stock(own_account(user))
    start = utcnow() + timedelta(hours=1)
    body = {"store_product_id": str(item.id), "promo_price": 5, "starts_at": _iso(start),
            "ends_at": _iso(start + timedelta(hours=2))}
    assert owner_api.post("/promos", json=body).status_code == 201
    overlap = owner_api.post("/promos", json=dict(body, starts_at=_iso(start + timedelta(hours=1)),
                                                  ends_at=_iso(start + timedelta(hours=3))))
    assert overlap.status_code == 409
    after = owner_api.post("/promos", json=dict(body, starts_at=_iso(start + timedelta(hours=2)),
                                                ends_at=_iso(start + timedelta(hours=3))))
    assert after.status_code == 201


def test_status_comes_from_the_clock_even_when_beat_is_late(owner_api, user):
    promo = shift(make_promo(own_account(user)), -timedelta(hours=2))
    assert db.session.get(FlashPromo, promo.id).status == PromoStatus.SCHEDULED  # beat never ran
    assert owner_api.get(f"/promos/{promo.id}").json["status"] == "finished"
    assert owner_api.get("/promos/active").json["total"] == 0
    assert owner_api.get("/promos?status=finished").json["total"] == 1
    running = make_promo(own_account(user), item=make_stock(own_account(user), sku="SKU-2"))
    assert owner_api.get("/api/promos/active").json["promos"][0]["id"] == str(running.id)


def test_beat_activates_and_finishes_once(app, user):
    account = own_account(user)
    due = make_promo(account)
    over = shift(make_promo(account, item=make_stock(account, sku="SKU-2")), -timedelta(hours=3))
    assert promos.advance_promos() == {"activated": 1, "finished": 1}
    assert promos.advance_promos() == {"activated": 0, "finished": 0}
    assert promos.activate_promo(str(due.id)) is False
    db.session.expire_all()
    assert db.session.get(FlashPromo, due.id).status == PromoStatus.ACTIVE
    assert db.session.get(FlashPromo, over.id).status == PromoStatus.FINISHED


def test_only_a_scheduled_promo_is_edited_and_delete_cancels(owner_api, user):
    account = own_account(user)
    running = make_promo(account)
    assert owner_api.patch(f"/promos/{running.id}", json={"radius_m": 500}).status_code == 409
    later_item = make_stock(account, sku="SKU-2", store=running.store)
    start = utcnow() + timedelta(days=1)
    later = make_promo(account, item=later_item, started=-timedelta(days=1))
    changed = owner_api.patch(f"/promos/{later.id}", json={"radius_m": 500, "promo_price": 6})
    assert changed.status_code == 200 and changed.json["radius_m"] == 500 and changed.json["promo_price"] == 6
    assert start  # the second promo starts tomorrow
    cancelled = owner_api.delete(f"/promos/{later.id}")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert owner_api.delete(f"/promos/{later.id}").status_code == 409


def test_active_promos_near_a_point_only_those_covering_it_nearest_first(owner_api, user):
    account = own_account(user)
    near_store = make_store(account, name="Near", at=point_at(300))
    far_store = make_store(account, name="Far", at=point_at(1500, bearing=90))
    out_store = make_store(account, name="Out", at=point_at(5000, bearing=180))
    for index, store in enumerate((far_store, near_store, out_store)):
        make_promo(account, item=make_stock(account, sku=f"S{index}", store=store))
    lon, lat = CENTRE
    answer = owner_api.get(f"/promos/active?lat={lat}&lon={lon}")
    assert answer.status_code == 200
    distances = [p["distance_m"] for p in answer.json["promos"]]
    assert len(distances) == 2 and distances == sorted(distances)
    assert 290 <= distances[0] <= 310 and 1490 <= distances[1] <= 1510
    assert owner_api.get(f"/promos/active?lat={lat}").status_code == 422


@pytest.mark.parametrize("written, documented", [
    ("/api/products/", "/api/v1/products"),
    ("/api/stores/", "/api/v1/stores"),
    ("/api/store-products/", "/api/v1/store-products"),
    ("/api/promos/active", "/api/v1/promos/active"),
    ("/api/admin/promos/", "/api/v1/promos"),
    ("/api/cart/reserve", "/api/v1/reservations"),
    ("/api/v1/cart/checkout/", "/api/v1/reservations/checkout"),
    ("/api/cart/cancel", "/api/v1/reservations/cancel"),
])
def test_seed_001_paths_reach_the_documented_operations(written, documented):
    assert canonical_path(written) == documented


def test_a_promo_is_created_at_seed_001s_admin_path_and_listed_once_in_openapi(owner_api, user, client):
    item = make_stock(own_account(user))
    start = utcnow() + timedelta(hours=1)
    created = owner_api.post("/api/admin/promos/", json={
        "store_product_id": str(item.id), "promo_price": 5, "starts_at": _iso(start),
        "ends_at": _iso(start + timedelta(hours=1))})
    assert created.status_code == 201, created.json
    paths = client.get("/api/openapi.json").json["paths"]
    assert "/api/v1/promos" in paths and not any("cart" in p or "admin" in p for p in paths)
