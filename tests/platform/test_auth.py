"""Registration, login, token rotation and revocation, profile."""
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ActivityEvent, RefreshToken, User, utcnow
from app.services import auth
from tests.factories import PASSWORD, make_user


def test_register_accepts_seed_002_body_and_gives_the_user_an_account(api):
    body = {"username": "nuevo_usuario", "email": "usuario@ejemplo.com", "password": "contraseña_segura",
            "full_name": "Nombre Completo"}
    response = api.post("/users/register", json=body)
    assert response.status_code == 201, response.json
    user = response.json
    assert user["username"] == "nuevo_usuario" and user["role"] == "store_owner" and user["status"] == "active"
    assert user["created_at"].endswith("Z") and "password" not in user
    signed_in = api.login(db.session.get(User, user["id"]), password="contraseña_segura")
    accounts = signed_in.get("/accounts").json
    assert accounts["total"] == 1 and accounts["accounts"][0]["name"] == "Nombre Completo"


def test_register_rejects_bad_fields_with_each_field_named(api):
    response = api.post("/auth/register", json={"username": "x", "email": "not-an-email", "password": "1234",
                                                 "language": "xx", "timezone": "Mars/Base"})
    assert response.status_code == 422
    assert response.json["type"] == "ValidationError"
    assert set(response.json["details"]) == {"username", "email", "password", "language", "timezone"}
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_username_and_email_are_unique_ignoring_case(api):
    make_user(username="Ana", email="ana@example.com")
    response = api.post("/auth/register", json={"username": "ana", "email": "ANA@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert set(response.json["details"]) == {"username", "email"}


def test_register_refuses_admin_role(api):
    response = api.post("/auth/register", json={"username": "mallory", "email": "m@example.com",
                                                 "password": PASSWORD, "role": "admin"})
    assert response.status_code == 422 and "role" in response.json["details"]


def test_login_by_username_or_email_returns_seed_shaped_tokens_and_sets_refresh_cookie(api, user):
    for login in ("owner", "OWNER@example.com"):
        response = api.post("/auth/login", json={"username": login, "password": PASSWORD})
        assert response.status_code == 200
        assert response.json["token_type"] == "bearer" and response.json["expires_in"] == 1800
        cookie = response.headers.getlist("Set-Cookie")
        assert any(c.startswith("refresh_token=") and "HttpOnly" in c and "Path=/api/v1/auth" in c for c in cookie)
    assert db.session.get(User, user.id).last_login is not None


def test_login_failure_has_one_generic_message(api, user):
    wrong_password = api.post("/auth/login", json={"username": "owner", "password": "nope-nope-nope"})
    no_such_user = api.post("/auth/login", json={"username": "ghost", "password": "nope-nope-nope"})
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json == no_such_user.json
    assert wrong_password.json["type"] == "UnauthorizedError"


def test_seed_004_token_path_logs_in(api, user):
    assert api.post("/auth/token", json={"username": "owner", "password": PASSWORD}).status_code == 200


def test_refresh_rotates_and_reuse_revokes_the_family(api, user):
    first = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    second = api.post("/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200
    second_token = second.json["refresh_token"]
    assert second_token != first
    # The spent token comes back (stolen?): the whole family dies, the newest token included.
    reuse = api.post("/auth/refresh", json={"refresh_token": first})
    assert reuse.status_code == 401 and "reuse" in reuse.json["error"]
    assert api.post("/auth/refresh", json={"refresh_token": second_token}).status_code == 401


def test_refresh_accepts_bearer_header_for_api_clients(api, user):
    token = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    response = api.post("/auth/refresh", headers={"Authorization": f"Bearer {token}"}, json={})
    assert response.status_code == 200


def test_refresh_from_cookie_needs_the_csrf_header(api, user, client):
    api.post("/auth/login", json={"username": "owner", "password": PASSWORD})
    assert api.post("/auth/refresh", json={}).status_code == 403
    csrf = client.get_cookie("csrf_refresh_token").value
    response = api.post("/auth/refresh", json={}, headers={"X-CSRF-TOKEN": csrf})
    assert response.status_code == 200


def test_logout_revokes_refresh_and_clears_cookie(api, user):
    token = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    response = api.post("/auth/logout", json={"refresh_token": token})
    assert response.status_code == 204
    assert any(c.startswith("refresh_token=;") for c in response.headers.getlist("Set-Cookie"))
    assert api.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_expired_refresh_token_is_refused(api, user):
    token = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    db.session.execute(RefreshToken.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert api.post("/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_refresh_tokens_are_stored_hashed(api, user):
    token = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    stored = db.session.scalars(select(RefreshToken.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64


def test_cleanup_deletes_expired_and_revoked_tokens_only(app, api, user):
    live = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    revoked = api.post("/auth/login", json={"username": "owner", "password": PASSWORD}).json["refresh_token"]
    api.post("/auth/logout", json={"refresh_token": revoked})
    expired = auth.issue_tokens(user)
    db.session.execute(RefreshToken.__table__.update().where(RefreshToken.token_hash == auth._digest(
        expired.refresh_token)).values(expires_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert auth.cleanup_tokens(dry_run=True) == 2
    assert db.session.scalar(select(func.count()).select_from(RefreshToken)) == 3
    result = app.test_cli_runner().invoke(args=["auth", "cleanup-tokens"])
    assert "Deleted 2" in result.output
    assert api.post("/auth/refresh", json={"refresh_token": live}).status_code == 200


def test_me_reads_and_updates_profile(owner_api):
    me = owner_api.get("/users/me")
    assert me.status_code == 200 and me.json["username"] == "owner"
    response = owner_api.put("/users/me", json={"full_name": "Nuevo Nombre", "language": "es",
                                                "timezone": "America/New_York"})
    assert response.status_code == 200
    assert response.json["language"] == "es" and response.json["timezone"] == "America/New_York"
    bad = owner_api.put("/users/me", json={"timezone": "Nowhere/Land"})
    assert bad.status_code == 422 and "timezone" in bad.json["details"]


def test_password_change_revokes_every_refresh_token(api, user):
    signed_in = api.login(user)
    response = signed_in.post("/users/me/password", json={"current_password": PASSWORD,
                                                          "new_password": "An0ther-strong-one"})
    assert response.status_code == 204
    assert api.post("/auth/refresh", json={"refresh_token": signed_in.tokens["refresh_token"]}).status_code == 401
    assert api.post("/auth/login", json={"username": "owner", "password": "An0ther-strong-one"}).status_code == 200


def test_bad_or_missing_access_token_is_401_in_the_envelope(api):
    for headers in ({}, {"Authorization": "Bearer not-a-jwt"}):
        response = api.get("/users/me", headers=headers)
        assert response.status_code == 401
        assert response.json["type"] == "UnauthorizedError" and response.json["status_code"] == 401


def test_login_is_recorded_in_the_activity_log(api, user):
    api.post("/auth/login", json={"username": "owner", "password": PASSWORD})
    api.post("/auth/login", json={"username": "owner", "password": "wrong-password"})
    names = db.session.scalars(select(ActivityEvent.name)).all()
    assert "auth.login" in names and "auth.login_failed" in names
