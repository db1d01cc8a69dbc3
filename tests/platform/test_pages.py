"""Server-rendered pages: sign-up, login, profile, switcher, settings, admin, language and time zone."""
import re

from app.extensions import db
from app.models import User
from tests.factories import PASSWORD, make_user, own_account


def login(client, username="owner", password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def test_pages_need_login_and_come_back_after_it(client, user):
    response = client.get("/settings")
    assert response.status_code == 302 and "/login?next=/settings" in response.headers["Location"]
    response = client.post("/login?next=/settings", data={"username": "owner", "password": PASSWORD})
    assert response.headers["Location"] == "/settings"


def test_login_refuses_an_offsite_next(client, user):
    response = client.post("/login?next=//evil.example/", data={"username": "owner", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_signup_shows_field_errors_next_to_fields_and_keeps_nothing(client):
    response = client.post("/signup", data={"username": "ab", "email": "bad", "password": "123",
                                            "role": "store_owner"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("invalid-feedback") >= 2 and "is-invalid" in html
    assert db.session.query(User).count() == 0


def test_signup_logs_in_and_lands_on_the_dashboard_with_real_counts(client):
    response = client.post("/signup", data={"username": "lucia", "email": "lucia@example.com",
                                            "password": PASSWORD, "full_name": "Lucía", "account_name": "Lucía's Shop",
                                            "role": "store_owner"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Lucía&#39;s Shop" in html or "Lucía's Shop" in html
    members = re.search(r'stat-value">(\d+)</span><span class="stat-label">Team members', html)
    assert members and members.group(1) == "1"
    assert "Lucía signed up" in html  # recent activity in words, not event codes


def test_logout_needs_post_and_ends_the_session(client, user):
    login(client)
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_profile_updates_language_and_the_interface_speaks_it(client, user):
    login(client)
    response = client.post("/profile", data={"profile-full_name": "Ana", "profile-email": "owner@example.com",
                                             "profile-language": "es", "profile-timezone": "Europe/Madrid"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Perfil guardado." in html and "Cerrar sesión" in html
    assert db.session.get(User, user.id).timezone == "Europe/Madrid"


def test_browser_language_is_used_before_login(client):
    html = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert "Iniciar sesión" in html


def test_wrong_current_password_is_shown_next_to_the_field(client, user):
    login(client)
    response = client.post("/profile", data={"password-current_password": "nope",
                                             "password-new_password": "An0ther-strong-one"})
    html = response.get_data(as_text=True)
    assert "Current password is incorrect." in html


def test_agency_switches_accounts_and_cannot_switch_into_foreign_ones(client):
    agency = make_user(username="agency", role="agency")
    stranger = make_user(username="stranger")
    login(client, "agency")
    client.post("/settings/clients", data={"client-name": "Café Aroma", "client-timezone": "UTC",
                                           "client-language": "en"})
    html = client.get("/").get_data(as_text=True)
    assert "<h1>Café Aroma</h1>" in html
    first = own_account(agency)
    client.post("/accounts/switch", data={"account_id": str(first.id)})
    assert f"<h1>{first.name}</h1>" in client.get("/").get_data(as_text=True)
    assert client.post("/accounts/switch", data={"account_id": str(own_account(stranger).id)}).status_code == 404


def test_viewer_sees_settings_but_cannot_change_them(client, user):
    viewer = make_user(username="viewer")
    from tests.factories import add_member

    add_member(own_account(user), viewer, "viewer")
    login(client, "viewer")
    client.post("/accounts/switch", data={"account_id": str(own_account(user).id)})
    assert client.get("/settings").status_code == 200
    response = client.post("/settings/account", data={"account-name": "Hijacked", "account-timezone": "UTC",
                                                      "account-language": "en"})
    assert response.status_code == 403
    assert own_account(user).name != "Hijacked"


def test_admin_is_for_admins_only(client, user):
    assert client.get("/admin/").status_code == 302
    login(client)
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/user/").status_code == 403
    make_user(username="root", role="admin")
    client.post("/logout")
    login(client, "root")
    for path in ("/admin/", "/admin/user/?search=owner", "/admin/account/", "/admin/membership/",
                 "/admin/activityevent/?flt0_0=auth.login"):
        assert client.get(path).status_code == 200, path
    assert "owner@example.com" in client.get("/admin/user/?search=owner").get_data(as_text=True)


def test_admin_edits_are_recorded_in_the_activity_log(client, user):
    from app.models import ActivityEvent

    make_user(username="root", role="admin")
    login(client, "root")
    account = own_account(user)
    response = client.post(f"/admin/account/edit/?id={account.id}", data={
        "name": "Renamed by admin", "default_region": "ES", "currency": "EUR", "timezone": "Europe/Madrid",
        "language": "es"})
    assert response.status_code == 302
    db.session.expire_all()
    assert own_account(user).name == "Renamed by admin"
    event = db.session.query(ActivityEvent).filter_by(name="account.updated").one()
    assert event.account_id == account.id and event.actor.username == "root"
