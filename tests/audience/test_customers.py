"""Customers: validation and normalisation, uniqueness, consent history, filters, bulk tags, tenancy."""
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ConsentChange, Customer, utcnow
from app.services import customers
from tests.audience.factories import make_customer
from tests.factories import add_member, make_user, own_account


def test_create_normalises_email_phone_language_and_location(owner_api, user):
    account = own_account(user)
    account.default_region = "ES"
    db.session.commit()
    body = {"first_name": " Ana ", "last_name": "López", "email": "  Ana.Lopez@Example.COM ", "phone": "612 34 56 78",
            "language": "es-MX", "timezone": "europe/madrid", "country": "Spain", "tags": ["VIP", " vip", "madrid"],
            "location": {"type": "point", "coordinates": [-3.7038, 40.4168]},
            "consent": {"email": True, "whatsapp": False}, "attributes": {"plan": "gold"}}
    response = owner_api.post("/customers", json=body)
    assert response.status_code == 201, response.json
    c = response.json
    assert c["email"] == "ana.lopez@example.com" and c["phone"] == "+34612345678"
    assert c["language"] == "es" and c["timezone"] == "Europe/Madrid" and c["country"] == "ES"
    assert c["first_name"] == "Ana" and c["tags"] == ["madrid", "vip"]
    assert c["location"] == {"type": "point", "coordinates": [-3.7038, 40.4168]}
    assert c["consent"] == {"email": True, "whatsapp": False, "push": False}
    assert c["consent_details"]["email"]["source"] == "api" and c["consent_details"]["push"]["status"] == "unknown"
    assert c["consent_details"]["whatsapp"]["status"] == "withdrawn"
    assert c["behaviour"] == "new" and c["created_at"].endswith("Z")


def test_invalid_fields_are_each_named_and_nothing_is_written(owner_api):
    response = owner_api.post("/customers", json={"email": "not-an-email", "phone": "12", "language": "zz",
                                                  "timezone": "Mars/Base", "country": "Atlantis"})
    assert response.status_code == 422
    assert set(response.json["details"]) == {"email", "phone", "language", "timezone", "country"}
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_point_coordinates_are_range_checked(owner_api):
    for point in ({"type": "point", "coordinates": [200, 10]}, {"type": "point", "coordinates": [10, 95]},
                  {"type": "circle", "coordinates": [1, 2]}, {"type": "point", "coordinates": ["a", 2]}):
        response = owner_api.post("/customers", json={"email": "a@example.com", "location": point})
        assert response.status_code == 422 and "location" in response.json["details"], point


def test_email_or_phone_is_required(owner_api):
    response = owner_api.post("/customers", json={"first_name": "Nobody"})
    assert response.status_code == 422 and "email" in response.json["details"]


def test_email_and_phone_are_unique_per_account_but_not_across_accounts(owner_api, user):
    make_customer(own_account(user), email="dup@example.com", phone="+14155550100")
    response = owner_api.post("/customers", json={"email": "DUP@example.com", "phone": "+1 415 555 0100"})
    assert response.status_code == 409 and set(response.json["details"]) == {"email", "phone"}
    other = make_user(username="other")
    assert make_customer(own_account(other), email="dup@example.com").email == "dup@example.com"


def test_fast_email_path_agrees_with_email_validator():
    from email_validator import EmailNotValidError, validate_email

    from app.services.customer_fields import FieldError, normalize_email
    samples = ["a@b.co", "first.last+tag@sub.example.org", "x@localhost", "x@host.test", "a..b@example.com",
               ".a@example.com", "a@-example.com", "a@example", "a@example.123", "ñandú@example.com",
               "a@exa_mple.com", "o'brien@example.ie", "a@[127.0.0.1]", "a b@example.com", "a@example.com."]
    for sample in samples:
        try:
            expected = validate_email(sample, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            expected = None
        try:
            got = normalize_email(sample)
        except FieldError:
            got = None
        assert got == expected, sample


def test_other_accounts_customers_are_not_found(owner_api):
    stranger = make_user(username="stranger")
    theirs = make_customer(own_account(stranger))
    for method in ("get", "patch", "put", "delete"):
        kwargs = {"json": {"first_name": "x"}} if method in ("patch", "put") else {}
        assert getattr(owner_api, method)(f"/customers/{theirs.id}", **kwargs).status_code == 404


def test_viewer_can_read_but_not_write(api, user):
    account = own_account(user)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    client = api.login(viewer).in_account(account)
    assert client.get("/customers").status_code == 200
    assert client.post("/customers", json={"email": "a@example.com"}).status_code == 403


def test_patch_changes_only_given_fields_and_records_consent_changes(owner_api, user):
    customer = make_customer(own_account(user), first_name="Eva", consent={"email": True})
    response = owner_api.patch(f"/customers/{customer.id}", json={"consent": {"email": False},
                                                                  "consent_source": "phone call"})
    assert response.status_code == 200 and response.json["first_name"] == "Eva"
    assert response.json["consent_details"]["email"] == {
        "status": "withdrawn", "source": "phone call", "changed_at": response.json["consent_details"]["email"]["changed_at"]}
    history = db.session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(h.granted, h.source) for h in history] == [(True, "api"), (False, "phone call")]


def test_put_replaces_and_delete_removes(owner_api, user):
    customer = make_customer(own_account(user), first_name="Eva", tags=["a"], city="Lima")
    response = owner_api.put(f"/customers/{customer.id}", json={"email": "eva@example.com"})
    assert response.status_code == 200 and response.json["tags"] == [] and response.json["city"] is None
    assert owner_api.delete(f"/customers/{customer.id}").status_code == 204
    assert owner_api.get(f"/customers/{customer.id}").status_code == 404


def test_list_filters_search_tag_language_consent_behaviour(owner_api, user):
    account = own_account(user)
    ana = make_customer(account, first_name="Ana", last_name="Ruiz", tags=["vip"], language="es",
                        consent={"email": True})
    make_customer(account, first_name="Bob", tags=["new"], language="en")
    frequent = make_customer(account, first_name="Carla")
    for days in (1, 5, 10):
        customers.record_order(frequent, at=utcnow() - timedelta(days=days))
    returning = make_customer(account, first_name="Dan")
    customers.record_order(returning, at=utcnow() - timedelta(days=90))

    def names(**query):
        response = owner_api.get("/customers", query_string=query)
        assert response.status_code == 200, response.json
        return sorted(c["first_name"] for c in response.json["customers"])

    assert names(search="ana ruiz") == ["Ana"]
    assert names(tag="VIP") == ["Ana"]
    assert names(language="es") == ["Ana"]
    assert names(consent="email") == ["Ana"]
    assert names(behaviour="new") == ["Ana", "Bob"]
    assert names(behaviour="frequent") == ["Carla"]
    assert names(behaviour="returning") == ["Dan"]
    assert owner_api.get("/customers", query_string={"behaviour": "sleepy"}).status_code == 422
    page = owner_api.get("/customers", query_string={"size": 2})
    assert page.json["total"] == 4 and page.json["pages"] == 2 and page.headers["X-Total-Count"] == "4"
    assert ana.id


def test_bulk_tags_by_ids_and_by_filter(owner_api, user):
    account = own_account(user)
    a = make_customer(account, tags=["old"], language="es")
    b = make_customer(account, language="es")
    c = make_customer(account, language="en")
    response = owner_api.post("/customers/tags", json={"customer_ids": [str(a.id), str(b.id)], "add": ["Promo"],
                                                       "remove": ["old"]})
    assert response.status_code == 200 and response.json == {"updated": 2}
    response = owner_api.post("/customers/tags", json={"filters": {"language": "en"}, "add": ["english"]})
    assert response.json == {"updated": 1}
    db.session.expire_all()
    assert (a.tags, b.tags, c.tags) == (["promo"], ["promo"], ["english"])
    assert owner_api.post("/customers/tags", json={"add": ["x"]}).status_code == 422


def test_record_order_keeps_behaviour_rollups(owner_api, user):
    customer = make_customer(own_account(user))
    for _ in range(3):
        response = owner_api.post(f"/customers/{customer.id}/orders", json={})
        assert response.status_code == 201
    assert response.json["orders_count"] == 3 and response.json["behaviour"] == "frequent"


def test_admin_lists_customers_segments_and_imports(client, user):
    from tests.factories import PASSWORD
    admin = make_user(username="root", role="admin")
    make_customer(own_account(user), location={"type": "point", "coordinates": [1.0, 2.0]})
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    for path in ("/admin/customer/", "/admin/segment/", "/admin/importjob/"):
        assert client.get(path).status_code == 200, path


def test_a_page_number_beyond_any_list_is_refused_not_a_500(owner_api):
    response = owner_api.get("/customers", query_string={"page": 10**25})
    assert response.status_code == 422 and "page" in response.json["details"]
