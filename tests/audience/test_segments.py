"""Segments: every kind of rule against PostgreSQL + PostGIS, 422 naming the bad condition, streamed ids."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import Customer, utcnow
from app.services import customers, segments
from tests.audience.factories import make_customer
from tests.factories import make_user, own_account

MADRID = [-3.7038, 40.4168]
GETAFE = [-3.7325, 40.3083]      # ~12.3 km from Madrid's centre
TOLEDO = [-4.0273, 39.8628]      # ~67 km
POZUELO = [-3.8136, 40.4349]     # ~9.5 km


def point(coords):
    return {"type": "point", "coordinates": coords}


@pytest.fixture
def people(user):
    account = own_account(user)
    made = {
        "ana": make_customer(account, first_name="Ana", language="es", city="Madrid", tags=["vip", "madrid"],
                             location=point(MADRID), consent={"email": True}, attributes={"plan": "gold", "age": 34}),
        "bea": make_customer(account, first_name="Bea", language="es", city="Getafe", tags=["vip"],
                             location=point(GETAFE), consent={"email": False}, attributes={"plan": "basic", "age": "29"}),
        "cai": make_customer(account, first_name="Cai", language="en", city="Toledo", location=point(TOLEDO),
                             consent={"whatsapp": True}, phone="+34612345670"),
        "dan": make_customer(account, first_name="Dan", language="en", tags=["newsletter"], location=point(POZUELO)),
        "eve": make_customer(account, first_name="Eve", language="fr", attributes={"age": "n/a"}),
    }
    for days in (2, 4, 6):
        customers.record_order(made["dan"], at=utcnow() - timedelta(days=days))
    customers.record_order(made["cai"], at=utcnow() - timedelta(days=100))
    make_customer(own_account(make_user(username="stranger")), first_name="Zed", language="es", tags=["vip"],
                  location=point(MADRID))
    return account


def names(account, *conditions, match="all"):
    stmt = segments.matching_query(account, {"match": match, "conditions": list(conditions)})
    return sorted(c.first_name for c in db.session.scalars(stmt))


def c(field, op, value=None):
    return {"field": field, "op": op, "value": value}


def test_field_rules(people):
    assert names(people, c("language", "eq", "es")) == ["Ana", "Bea"]
    assert names(people, c("language", "ne", "es")) == ["Cai", "Dan", "Eve"]
    assert names(people, c("language", "in", ["en", "fr"])) == ["Cai", "Dan", "Eve"]
    assert names(people, c("city", "not_in", ["Madrid"])) == ["Bea", "Cai", "Dan", "Eve"]  # no city counts as not in
    assert names(people, c("city", "contains", "eta")) == ["Bea"]
    assert names(people, c("first_name", "starts_with", "d")) == ["Dan"]
    assert names(people, c("phone", "exists", True)) == ["Cai"]
    assert names(people, c("orders_count", "gte", 3)) == ["Dan"]
    assert names(people, c("last_order_at", "within_days", 30)) == ["Dan"]
    assert names(people, c("created_at", "lte", (utcnow() + timedelta(days=1)).isoformat())) == [
        "Ana", "Bea", "Cai", "Dan", "Eve"]


def test_tag_consent_behaviour_and_attribute_rules(people):
    assert names(people, c("tags", "contains", "VIP")) == ["Ana", "Bea"]
    assert names(people, c("tags", "not_contains", "vip")) == ["Cai", "Dan", "Eve"]
    assert names(people, c("tags", "in", ["madrid", "newsletter"])) == ["Ana", "Dan"]
    assert names(people, c("tags", "all", ["madrid", "vip"])) == ["Ana"]
    assert names(people, c("consent.email", "eq", True)) == ["Ana"]
    assert names(people, c("consent.email", "eq", "withdrawn")) == ["Bea"]
    assert names(people, c("consent.email", "eq", False)) == ["Bea", "Cai", "Dan", "Eve"]
    assert names(people, c("behaviour", "eq", "new")) == ["Ana", "Bea", "Eve"]
    assert names(people, c("behaviour", "eq", "frequent")) == ["Dan"]
    assert names(people, c("behaviour", "in", ["frequent", "returning"])) == ["Cai", "Dan"]
    assert names(people, c("attributes.plan", "eq", "gold")) == ["Ana"]
    assert names(people, c("attributes.age", "gte", 30)) == ["Ana"]  # "n/a" never matches, never fails
    assert names(people, c("attributes.age", "lt", 30)) == ["Bea"]
    assert names(people, c("attributes.plan", "exists", False)) == ["Cai", "Dan", "Eve"]


def test_radius_rule_uses_postgis_geography(people):
    near = lambda km: names(people, c("location", "within_km", {"point": MADRID, "km": km}))
    assert near(1) == ["Ana"]
    assert near(10) == ["Ana", "Dan"]
    assert near(13) == ["Ana", "Bea", "Dan"]
    assert near(70) == ["Ana", "Bea", "Cai", "Dan"]
    compiled = str(segments.matching_query(people, {"match": "all", "conditions": [
        c("location", "within_km", {"point": MADRID, "km": 2})]}).compile())
    assert "ST_DWithin(customers.location" in compiled


def test_nested_groups_and_one_statement_without_not_in(people):
    rules = {"match": "any", "conditions": [
        {"match": "all", "conditions": [c("language", "eq", "es"), c("consent.email", "eq", True)]},
        {"match": "all", "conditions": [c("behaviour", "eq", "frequent"),
                                        c("location", "within_km", {"point": MADRID, "km": 10})]},
    ]}
    assert names(people, *rules["conditions"], match="any") == ["Ana", "Dan"]
    sql = str(segments.matching_query(people, rules).compile()).upper()
    assert "NOT IN" not in sql and sql.count("SELECT") == 1


def test_invalid_rules_answer_422_naming_the_condition(owner_api):
    bad = [({"match": "all", "conditions": [c("language", "eq", "es"), c("shoe_size", "eq", 42)]},
            "rules.conditions[1]", "Unknown field"),
           ({"match": "all", "conditions": [c("tags", "gte", 3)]}, "rules.conditions[0]", "Operator 'gte'"),
           ({"match": "any", "conditions": [{"match": "all", "conditions": [
               c("location", "within_km", {"point": [200, 1], "km": 2})]}]},
            "rules.conditions[0].conditions[0]", "Longitude"),
           ({"match": "some", "conditions": []}, "rules.match", "match"),
           ({"conditions": [c("behaviour", "eq", "loyal")]}, "rules.conditions[0]", "new, frequent"),
           ({"conditions": [{"field": "city"}]}, "rules.conditions[0]", "Expected")]
    for rules, path, text in bad:
        response = owner_api.post("/segments", json={"name": "S", "rules": rules})
        assert response.status_code == 422, response.json
        assert path in response.json["details"]["rules"], response.json
        assert text in response.json["details"]["rules"][path][0], response.json


def test_segment_crud_preview_and_live_count(owner_api, people):
    rules = {"match": "all", "conditions": [c("tags", "contains", "vip")]}
    created = owner_api.post("/segments", json={"name": "VIPs", "rules": rules})
    assert created.status_code == 201, created.json
    sid = created.json["id"]
    assert owner_api.post("/segments", json={"name": "VIPs", "rules": rules}).status_code == 409
    preview = owner_api.get(f"/segments/{sid}/preview").json
    assert preview["count"] == 2 and {p["first_name"] for p in preview["customers"]} == {"Ana", "Bea"}
    count = owner_api.post("/segments/count", json={"rules": {"match": "all", "conditions": [
        c("language", "eq", "es"), c("tags", "contains", "vip"),
        c("location", "within_km", {"point": MADRID, "km": 5})]}})
    assert count.json == {"count": 1}
    updated = owner_api.put(f"/segments/{sid}", json={"name": "Spanish", "rules": {
        "match": "all", "conditions": [c("language", "eq", "es")]}})
    assert updated.status_code == 200 and updated.json["name"] == "Spanish"
    assert owner_api.get("/segments").json["total"] == 1
    assert owner_api.delete(f"/segments/{sid}").status_code == 204
    assert owner_api.get(f"/segments/{sid}").status_code == 404


def test_other_accounts_segments_are_not_found(owner_api):
    stranger = make_user(username="stranger2")
    theirs = segments.create_segment(own_account(stranger), actor=None, name="Theirs",
                                     rules={"match": "all", "conditions": []})
    assert owner_api.get(f"/segments/{theirs.id}").status_code == 404
    assert owner_api.get(f"/segments/{theirs.id}/preview").status_code == 404
    assert owner_api.delete(f"/segments/{theirs.id}").status_code == 404


def test_segment_customer_ids_streams_in_batches_with_channel_consent(people):
    segment = segments.create_segment(people, actor=None, name="All", rules={"match": "all", "conditions": []})
    ids = list(segments.segment_customer_ids(segment, batch_size=2))
    assert len(ids) == 5 and ids == sorted(ids)
    everyone = set(db.session.scalars(select(Customer.id).where(Customer.account_id == people.id)))
    assert set(ids) == everyone
    emailable = list(segments.segment_customer_ids(segment, channel="email", batch_size=2))
    assert [db.session.get(Customer, i).first_name for i in emailable] == ["Ana"]
    whatsapp = db.session.scalars(segments.eligible_customers_query(people, channel="whatsapp")).all()
    assert [db.session.get(Customer, i).first_name for i in whatsapp] == ["Cai"]


def test_a_page_of_segments_is_counted_in_one_statement_with_each_segments_own_count(people, user):
    saved = [segments.create_segment(people, actor=user, name=name, rules={"match": "all", "conditions": [cond]})
             for name, cond in (("VIP", c("tags", "contains", "vip")), ("Spanish", c("language", "eq", "es")),
                                ("Near Madrid", c("location", "within_km", {"point": MADRID, "km": 15})),
                                ("Nobody", c("language", "eq", "de")))]
    statements = []

    def listen(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        counts = segments.count_each(people, saved)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert [counts[s.id] for s in saved] == [2, 2, 3, 0]  # the other account's VIP in Madrid is not counted
    assert counts == {s.id: segments.count_matching(people, s.rules) for s in saved}
    assert len([s for s in statements if "count(*) FILTER" in s]) == 1
