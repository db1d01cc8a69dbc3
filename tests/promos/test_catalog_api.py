"""Products, stores and store products over the API, with seed 001's paths."""
from tests.factories import own_account


def test_products_crud_with_a_sku_unique_per_account(owner_api):
    created = owner_api.post("/products", json={"sku": "CAF-1", "name": "Coffee", "price": 12.5})
    assert created.status_code == 201, created.json
    assert created.json["price"] == 12.5 and created.json["images"] == []
    again = owner_api.post("/products", json={"sku": "CAF-1", "name": "Other", "price": 1})
    assert again.status_code == 409 and again.json["type"] == "ConflictError"
    product_id = created.json["id"]
    changed = owner_api.patch(f"/products/{product_id}", json={"name": "Dark coffee"})
    assert changed.status_code == 200, changed.json
    assert changed.json["name"] == "Dark coffee" and changed.json["sku"] == "CAF-1"
    listed = owner_api.get("/api/products/")  # seed 001's path: unversioned, trailing slash
    assert listed.status_code == 200 and listed.json["total"] == 1
    assert owner_api.delete(f"/products/{product_id}").status_code == 204
    assert owner_api.get(f"/products/{product_id}").status_code == 404


def test_bad_product_input_is_422_with_field_details(owner_api):
    answer = owner_api.post("/products", json={"sku": "has space", "price": -1})
    assert answer.status_code == 422
    assert {"sku", "name", "price"} <= set(answer.json["details"])
    unknown_image = owner_api.post("/products", json={"sku": "A", "name": "A", "price": 1,
                                                      "images": ["6f1c1b9e-5a52-4b8e-9a43-2f6a0b7f0c11"]})
    assert unknown_image.status_code == 422 and "images" in unknown_image.json["details"]


def test_store_has_a_point_and_a_time_zone(owner_api):
    answer = owner_api.post("/api/stores/", json={
        "name": "Centro", "address": "Cra. 7", "timezone": "America/Bogota",
        "location": {"type": "point", "coordinates": [-74.076, 4.5981]}})
    assert answer.status_code == 201, answer.json
    assert answer.json["location"] == {"type": "point", "coordinates": [-74.076, 4.5981]}
    assert answer.json["timezone"] == "America/Bogota"
    bad = owner_api.post("/stores", json={"name": "X", "location": {"type": "point", "coordinates": [200, 0]},
                                          "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and {"location", "timezone"} <= set(bad.json["details"])


def test_store_product_stock_is_set_and_adjusted_never_below_zero(owner_api):
    store = owner_api.post("/stores", json={"name": "S", "location": {"type": "point", "coordinates": [1, 2]}}).json
    product = owner_api.post("/products", json={"sku": "P", "name": "P", "price": 20}).json
    item = owner_api.post("/api/store-products/", json={"store_id": store["id"], "product_id": product["id"],
                                                        "stock": 5})
    assert item.status_code == 201 and item.json["base_price"] == 20.0 and item.json["stock"] == 5
    twice = owner_api.post("/store-products", json={"store_id": store["id"], "product_id": product["id"]})
    assert twice.status_code == 409
    url = f"/store-products/{item.json['id']}"
    assert owner_api.post(f"{url}/adjust", json={"delta": 3, "reason": "delivery"}).json["stock"] == 8
    short = owner_api.post(f"{url}/adjust", json={"delta": -9, "reason": "broken"})
    assert short.status_code == 409
    assert owner_api.patch(url, json={"stock": 2}).json["stock"] == 2
    assert owner_api.patch(url, json={"stock": -1}).status_code == 422


def test_another_accounts_catalog_is_404(owner_api, api, user):
    from tests.factories import make_user
    other = api.login(make_user(username="rival"))
    product = other.post("/products", json={"sku": "R", "name": "R", "price": 1}).json
    store = other.post("/stores", json={"name": "R", "location": {"type": "point", "coordinates": [1, 2]}}).json
    assert owner_api.get(f"/products/{product['id']}").status_code == 404
    assert owner_api.delete(f"/stores/{store['id']}").status_code == 404
    mine = owner_api.post("/stores", json={"name": "M", "location": {"type": "point", "coordinates": [1, 2]}}).json
    cross = owner_api.post("/store-products", json={"store_id": mine["id"], "product_id": product["id"]})
    assert cross.status_code == 422 and "product_id" in cross.json["details"]
    assert own_account(user) is not None
