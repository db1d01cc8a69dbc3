"""Findings 5 and 6: lone surrogates and JSON nested or sized to break the parser are refused at the door (422/413
in the envelope), before the rate limiter or any query sees them; JSON-typed fields have their own caps."""
import http.client
import io
import json
import uuid

import pytest
import redis
from sqlalchemy import select

from app.extensions import db
from app.json_limits import has_lone_surrogate
from app.models import Segment
from tests.audience.factories import make_customer
from tests.factories import PASSWORD, own_account, sign_in

SOME_ID = str(uuid.uuid4())
# Every JSON endpoint that answered 500 to the probe, and the rest of the JSON-bodied ones alike.
JSON_ENDPOINTS = [
    ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/users/login"),
    ("POST", "/api/v1/auth/token"), ("PUT", "/api/v1/users/me"), ("POST", "/api/v1/accounts"),
    ("POST", "/api/v1/campaigns"), ("PATCH", f"/api/v1/campaigns/{SOME_ID}"), ("POST", "/api/v1/customers"),
    ("POST", "/api/v1/customers/tags"), ("POST", "/api/v1/segments"), ("POST", "/api/v1/segments/count"),
    ("POST", "/api/v1/geolocation/distance"), ("PATCH", f"/api/v1/media/{SOME_ID}"),
]


def _send(owner_api, method, path, raw: bytes | str, **headers):
    return owner_api.request(method, path, data=raw, content_type="application/json", headers=headers)


def _is_envelope(response, status):
    body = response.json
    return response.status_code == status and body["status_code"] == status and body["error"] and body["type"]


def test_a_lone_surrogate_at_login_is_refused_before_the_rate_limiter(app, client, user):
    keys = redis.Redis.from_url(app.config["REDIS_URL"])
    raw = '{"username": "owner\\ud800", "password": "wrong-guess-1"}'
    for _ in range(3):
        response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
        assert _is_envelope(response, 422), response.get_data(as_text=True)
        assert "lone surrogate" in response.json["details"]["username"][0]
        # Refused ahead of the limiter: it counted nothing and built no key from the hostile name.
        assert "X-RateLimit-Remaining" not in response.headers
    assert keys.dbsize() == 0
    # The limiter still talks to Redis (it was never made to think Redis was down): the next login counts there.
    good = client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD})
    assert good.status_code == 200 and "X-RateLimit-Remaining" in good.headers
    assert keys.keys("*login*")


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
def test_lone_surrogates_are_refused_on_every_json_endpoint(owner_api, method, path):
    for raw in ('{"name": "\\ud800", "username": "\\udfff", "email": "x\\udc00@example.com"}',
                '{"\\ud83d": 1}', '["\\ud800"]', '"\\udbff"',
                '{"rules": {"match": "all", "conditions": [{"field": "email", "op": "eq", "value": "\\ud800"}]}}'):
        response = _send(owner_api, method, path, raw)
        assert _is_envelope(response, 422), (raw, response.get_data(as_text=True))
    # A proper surrogate pair is one character (an emoji): not refused by the guard.
    paired = _send(owner_api, method, path, '{"name": "Sale \\ud83d\\ude00"}')
    assert paired.status_code != 500 and "lone surrogate" not in paired.get_data(as_text=True)


def test_surrogate_bytes_in_query_strings_and_form_fields_never_arrive_as_lone_surrogates(owner_api, client, user):
    """Query strings and form fields are UTF-8 bytes: a surrogate's bytes (ED A0 80) are not UTF-8, and arrive as
    U+FFFD or as the escapes sent, never as a lone surrogate (the guard checks the query string all the same)."""
    listed = owner_api.get("/api/v1/campaigns?search=%ED%A0%80")
    assert listed.status_code == 200 and listed.json["total"] == 0
    assert owner_api.get("/api/v1/campaigns/by-name/%ED%A0%80").status_code == 404
    sign_in(client, user)
    saved = client.post("/segments/new", data=b"name=Sale%ED%A0%80&match=all",
                        content_type="application/x-www-form-urlencoded")
    assert saved.status_code == 302
    name = db.session.scalar(select(Segment.name))
    assert name.startswith("Sale") and not has_lone_surrogate(name)


@pytest.mark.parametrize("method,path", JSON_ENDPOINTS)
def test_json_nested_too_deep_is_refused_on_every_json_endpoint(owner_api, method, path):
    for depth in (10_000, 200, 33):
        raw = '{"name": ' + "[" * depth + "]" * depth + "}"
        response = _send(owner_api, method, path, raw)
        assert _is_envelope(response, 422), (depth, response.get_data(as_text=True)[:300])
        assert "Nested deeper than 32 levels" in json.dumps(response.json["details"])
    fine = _send(owner_api, method, path, '{"name": ' + "[" * 30 + "]" * 30 + "}")
    assert fine.status_code != 500 and "Nested deeper" not in fine.get_data(as_text=True)


def test_a_json_body_over_the_size_limit_is_refused_with_413(app, owner_api, live_url):
    big = json.dumps({"name": "x", "budget": 10, "description": "a" * (1024 * 1024)})
    response = _send(owner_api, "POST", "/api/v1/campaigns", big)
    assert _is_envelope(response, 413) and response.json["type"] == "PayloadTooLargeError"
    # Without a Content-Length (chunked) the body is cut off at the same size while it is read.
    host, port = live_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", "/api/v1/auth/login", body=iter([big.encode()[i:i + 65536]
                                                                 for i in range(0, len(big), 65536)]),
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                       encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 413 and json.loads(answer.read())["status_code"] == 413
    connection.close()
    assert owner_api.post("/campaigns", json={"name": "Small", "budget": 10, "channel": "display"}).status_code == 201


def test_json_typed_fields_are_capped_in_depth_and_size(owner_api, user):
    deep = {"en": {"body": "x"}}
    node = deep
    for _ in range(10):
        node["more"] = {}
        node = node["more"]
    for field, value in (("content", deep), ("content", {"en": {"body": "x" * 300_000}}),
                         ("audience", {"segment_id": "x" * 9_000})):
        response = owner_api.post("/campaigns", json={"name": f"Capped {field}", "budget": 10, field: value})
        assert _is_envelope(response, 422) and field in response.json["details"], response.json
    fine = owner_api.post("/campaigns", json={"name": "Fine", "budget": 10, "channel": "email",
                                              "content": {"en": {"subject": "Hi", "body": "Hello"}}})
    assert fine.status_code == 201

    group = {"match": "all", "conditions": [{"field": "language", "op": "eq", "value": "es"}]}
    for _ in range(9):  # 10 groups inside each other: within the body limit, deeper than a rule tree may be
        group = {"match": "all", "conditions": [group]}
    emails = [f"someone.with.a.long.name.{n:05}@example.com" for n in range(1000)]  # ~40 kB a condition
    wide = {"match": "any", "conditions": [{"field": "email", "op": "in", "value": emails}] * 4}
    for rules in (group, wide):
        response = owner_api.post("/segments", json={"name": "Capped", "rules": rules})
        assert _is_envelope(response, 422) and "rules" in response.json["details"]
        assert _is_envelope(owner_api.post("/segments/count", json={"rules": rules}), 422)

    account = own_account(user)
    customer = make_customer(account)
    db.session.commit()
    nested = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    for attributes in (nested, {f"k{n}": "v" * 100 for n in range(200)}):
        response = owner_api.patch(f"/customers/{customer.id}", json={"attributes": attributes})
        assert _is_envelope(response, 422) and "attributes" in response.json["details"]
    assert owner_api.patch(f"/customers/{customer.id}", json={"attributes": {"plan": "gold"}}).status_code == 200


def test_json_typed_into_forms_is_held_to_the_same_limits(owner_api, client, user):
    deep = "[" * 5000 + "]" * 5000
    csv = ("email\nsomeone@example.com\n").encode()
    for mapping in (deep, '{"\\ud800": "email"}', '{"Email": {"nested": "email"}}'):
        response = owner_api.post("/customers/import", data={"file": (io.BytesIO(csv), "c.csv"), "mapping": mapping},
                                  content_type="multipart/form-data")
        assert _is_envelope(response, 422) and "mapping" in response.json["details"]

    sign_in(client, user)
    for rules_json in (deep, '{"match": "all", "conditions": [{"field": "email", "op": "eq", "value": "\\ud800"}]}'):
        form = {"name": "Typed rules", "match": "all", "rules_json": rules_json}
        count = client.post("/segments/count.json", data=form)
        assert count.status_code == 422 and count.json["error"]
        page = client.post("/segments/new", data=form)
        assert page.status_code == 200 and 'id="rules_json-errors"' in page.get_data(as_text=True)
    assert db.session.query(Segment).count() == 0
