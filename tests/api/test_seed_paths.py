"""The paths and shapes integrators copy from the seeds: trailing slashes, unversioned /api, sign-up tokens."""
import pytest

from app import create_app
from app.api_paths import canonical_path
from app.config import ConfigurationError
from tests.factories import PASSWORD


@pytest.mark.parametrize("written, documented", [
    ("/api/v1/campaigns/", "/api/v1/campaigns"),
    ("/api/campaigns/", "/api/v1/campaigns"),
    ("/api/campaigns/abc/stats", "/api/v1/campaigns/abc/stats"),
    ("/api/products/", "/api/v1/products"),
    ("/api/docs/", "/api/docs"),
    ("/api/schema/", "/api/openapi.json"),
    ("/api/openapi.json", "/api/openapi.json"),
    ("/api/signup", "/api/v1/auth/register"),
    ("/api/login/", "/api/v1/auth/login"),
    ("/api/token/refresh", "/api/v1/auth/refresh"),
    ("/api/v1/users/login", "/api/v1/auth/login"),
    ("/api/customers/upload", "/api/v1/customers/import"),
    ("/campaigns/", "/campaigns/"),  # pages are not touched
])
def test_paths_as_integrators_write_them_reach_the_documented_operation(written, documented):
    assert canonical_path(written) == documented


def test_trailing_slash_and_unversioned_paths_answer_like_the_documented_ones(owner_api):
    created = owner_api.post("/api/campaigns/", json={"name": "Seed 000", "budget": 100, "keywords": "a,b"})
    assert created.status_code == 201, created.json
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/", "/api/campaigns", "/api/campaigns/"):
        response = owner_api.get(path)
        assert response.status_code == 200 and response.json["total"] == 1, path
    assert owner_api.get(f"/api/campaigns/{created.json['id']}/").json["name"] == "Seed 000"


def test_docs_and_schema_answer_where_seed_001_names_them(client):
    assert client.get("/api/docs/").status_code == 200
    spec = client.get("/api/schema/")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")


def test_the_openapi_document_lists_each_operation_once(client):
    paths = client.get("/api/openapi.json").json["paths"]
    logins = [p for p in paths if p.endswith(("/login", "/token"))]
    assert logins == ["/api/v1/auth/login"]
    assert not any("seed" in op.get("operationId", "") for item in paths.values() for op in item.values()
                   if isinstance(op, dict))


def test_sign_up_answers_the_user_and_a_token_pair_and_signs_in(client, api):
    body = {"username": "nueva", "email": "nueva@example.com", "password": PASSWORD, "full_name": "Nueva"}
    response = client.post("/api/signup", json=body)
    assert response.status_code == 201, response.json
    assert response.json["username"] == "nueva" and response.json["status"] == "active"
    assert response.json["token_type"] == "bearer" and response.json["refresh_token"]
    assert any(c.startswith("refresh_token=") for c in response.headers.getlist("Set-Cookie"))
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {response.json['access_token']}"})
    assert me.status_code == 200 and me.json["username"] == "nueva"


def test_refresh_cookie_samesite_none_for_a_frontend_on_another_site_forces_secure(config, client, user):
    config(REFRESH_COOKIE_SAMESITE="None")
    response = client.post("/api/v1/auth/login", json={"username": "owner", "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("refresh_token="))
    assert "SameSite=None" in cookie and "Secure" in cookie


def test_an_unknown_samesite_value_is_refused_at_start():
    with pytest.raises(ConfigurationError, match="REFRESH_COOKIE_SAMESITE"):
        create_app({"ENV": "testing", "REFRESH_COOKIE_SAMESITE": "Sometimes"})


def test_the_openapi_text_speaks_to_integrators_not_to_our_history(client):
    text = client.get("/api/openapi.json").get_data(as_text=True).lower()
    assert "seed" not in text


def test_a_fixed_path_is_never_also_an_id_in_the_document(client, owner_api):
    """`/promos/active` and `/promos/{promo_id}` overlapped while the id was any string: the fuzzer asked for the
    promo "active" and got the active list. Ids are UUIDs in the document and in the routes."""
    document = client.get("/api/openapi.json").json
    [promo_id] = [p for p in document["paths"]["/api/v1/promos/{promo_id}"]["parameters"] if p["name"] == "promo_id"]
    assert promo_id["schema"] == {"type": "string", "format": "uuid"}
    answer = owner_api.get("/promos/not-a-uuid")
    assert answer.status_code == 404 and answer.json["type"] == "NotFoundError"
