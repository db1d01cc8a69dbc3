"""The conventions every endpoint keeps: envelope, pagination, rate limits, idempotency, headers."""
import pytest
from flask import Blueprint
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint

from app import create_app
from app.blueprints.common import idempotent
from app.extensions import db
from app.models import IdempotencyKey
from app.services import accounts
from tests.factories import PASSWORD, make_user

ENVELOPE_KEYS = {"error", "type", "status_code"}


def assert_envelope(response, status, error_type):
    assert response.status_code == status, response.data
    assert ENVELOPE_KEYS <= set(response.json) and response.json["status_code"] == status
    assert response.json["type"] == error_type
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_api_route_is_404_in_the_envelope(api):
    assert_envelope(api.get("/no-such-thing"), 404, "NotFoundError")


def test_wrong_method_is_405_in_the_envelope_with_allow_header(owner_api):
    response = owner_api.delete("/users/me")
    assert_envelope(response, 405, "MethodNotAllowedError")
    assert "GET" in response.headers["Allow"]


def test_invalid_body_is_422_naming_the_fields(api):
    response = api.post("/auth/register", json={"email": 5})
    assert_envelope(response, 422, "ValidationError")
    assert {"username", "password", "email"} <= set(response.json["details"])


def test_malformed_json_is_a_clear_4xx_not_a_500(api):
    response = api.post("/auth/login", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400  # not JSON at all: a bad request, before any field can be checked
    assert response.json["type"] == "ValidationError"


def test_oversized_body_is_413_in_the_envelope(app, api):
    response = api.post("/auth/login", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                        headers={"Content-Type": "application/json"})
    assert_envelope(response, 413, "PayloadTooLargeError")


def test_unexpected_error_is_500_without_traceback():
    app = create_app("testing")
    broken = Blueprint("broken", __name__)

    @broken.get("/api/v1/broken")
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(broken)
    response = app.test_client().get("/api/v1/broken")
    assert_envelope(response, 500, "InternalServerError")
    assert "secret internals" not in response.get_data(as_text=True)


def test_page_errors_are_html_not_json(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.fixture
def agency_with_accounts(app):
    agency = make_user(username="agency", role="agency")
    for n in range(12):
        accounts.create_client_account(agency, name=f"Client {n:02}")
    return agency


def test_pagination_body_and_headers(api, agency_with_accounts):
    response = api.login(agency_with_accounts).get("/accounts?page=2&size=5")
    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["size"], body["pages"]) == (13, 2, 5, 3)
    assert len(body["accounts"]) == 5
    assert response.headers["X-Total-Count"] == "13" and response.headers["X-Page-Count"] == "3"
    assert response.headers["X-Current-Page"] == "2" and response.headers["X-Per-Page"] == "5"


def test_page_past_the_end_is_empty_not_an_error(api, agency_with_accounts):
    response = api.login(agency_with_accounts).get("/accounts?page=99&size=10")
    assert response.status_code == 200 and response.json["accounts"] == [] and response.json["total"] == 13


@pytest.mark.parametrize("query", ["size=101", "size=0", "page=0", "page=abc"])
def test_out_of_range_paging_is_refused(api, user, query):
    response = api.login(user).get(f"/accounts?{query}")
    assert_envelope(response, 422, "ValidationError")


def test_every_answer_carries_rate_limit_headers(owner_api):
    response = owner_api.get("/users/me")
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert header in response.headers


def test_default_rate_limit_answers_429_with_retry_after(app, owner_api, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_DEFAULT", "3/minute")
    statuses = [owner_api.get("/users/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = owner_api.get("/users/me")
    assert_envelope(response, 429, "RateLimitError")
    assert int(response.headers["Retry-After"]) > 0 and response.headers["X-RateLimit-Remaining"] == "0"


def test_login_is_limited_per_username_across_ips(app, api, user, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "2/minute")
    answers = [api.post("/auth/login", json={"username": "owner", "password": "wrong-one!"},
                        environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(3)]
    assert answers == [401, 401, 429]


class _IdempotencyProbe:
    calls = 0


def _app_with_idempotent_endpoint():
    app = create_app("testing")
    blp = ApiBlueprint("probe-api", __name__, url_prefix="/api/v1/probe")

    @blp.route("")
    class Probe(MethodView):
        @idempotent
        @blp.response(201)
        def post(self):
            from flask import request

            _IdempotencyProbe.calls += 1
            body = request.get_json()
            if body.get("fail"):
                from app.errors import Conflict

                raise Conflict("nope")
            return {"call": _IdempotencyProbe.calls, "echo": body}

    app.extensions["api"].register_blueprint(blp)
    return app


def test_idempotency_key_replays_the_first_answer_and_refuses_a_different_body(app):
    probe_app = _app_with_idempotent_endpoint()
    with probe_app.app_context():
        user_id = make_user(username="probe").id
    client = probe_app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "probe", "password": PASSWORD}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "abc-123"}
    first = client.post("/api/v1/probe", json={"n": 1}, headers=headers)
    again = client.post("/api/v1/probe", json={"n": 1}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    different = client.post("/api/v1/probe", json={"n": 2}, headers=headers)
    assert_envelope(different, 422, "ValidationError")
    other_key = client.post("/api/v1/probe", json={"n": 1}, headers={**headers, "Idempotency-Key": "other"})
    assert other_key.json["call"] == first.json["call"] + 1
    with probe_app.app_context():
        assert db.session.query(IdempotencyKey).filter_by(caller=f"user:{user_id}:").count() == 2


def test_failed_request_releases_its_idempotency_key(app):
    probe_app = _app_with_idempotent_endpoint()
    with probe_app.app_context():
        make_user(username="probe")
    client = probe_app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "probe", "password": PASSWORD}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-me"}
    assert client.post("/api/v1/probe", json={"fail": True}, headers=headers).status_code == 409
    with probe_app.app_context():
        assert db.session.query(IdempotencyKey).count() == 0


def test_request_id_is_echoed_or_generated(api):
    assert api.get("/health", headers={"X-Request-ID": "req-42"}).headers["X-Request-ID"] == "req-42"
    generated = api.get("/health").headers["X-Request-ID"]
    assert len(generated) == 32


def test_cors_allows_configured_origin_with_credentials(app, api):
    origin = app.config["FRONTEND_ORIGINS"][0]
    response = api.request("OPTIONS", "/auth/login", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    other = api.request("OPTIONS", "/auth/login", headers={"Origin": "https://evil.example",
                                                           "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_openapi_documents_bearer_auth_and_the_envelope(api):
    spec = api.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"error", "type", "status_code"} <= set(spec["components"]["schemas"]["Error"]["properties"])
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == [] and "default" in login["responses"]


def test_api_docs_are_served_without_a_cdn(api):
    for path in ("/api/docs", "/api/redoc"):
        html = api.get(path).get_data(as_text=True)
        assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert api.get("/api/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert api.get("/api/static/redoc/redoc.standalone.js").status_code == 200


def test_nul_characters_are_refused_before_they_reach_the_database(api):
    response = api.post("/auth/login", json={"username": "a\u0000b", "password": "x"})
    assert_envelope(response, 422, "ValidationError")
