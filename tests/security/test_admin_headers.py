"""Finding 14: /admin sends the same security headers as every other page (CSP, frame, sniffing, referrer), and
still works under that CSP in a real browser."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Membership, User
from app.pages import SECURITY_HEADERS
from tests.factories import add_member, make_user, own_account, sign_in, sign_in_page

ADMIN_PAGES = ["/admin/", "/admin/segment/", "/admin/customer/", "/admin/user/", "/admin/campaign/",
               "/admin/membership/", "/admin/activityevent/"]


def _same_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        if name == "Content-Security-Policy":
            # The admin's few inline scripts carry a per-response nonce; otherwise the policy is the pages' own.
            policy = re.sub(r" 'nonce-[A-Za-z0-9_-]+'", "", response.headers[name])
            assert policy == value, response.headers[name]
        else:
            assert response.headers[name] == value, name


def test_admin_pages_send_the_same_security_headers_as_the_other_pages(client):
    admin = make_user(username="root", role="admin")
    own_account(admin)
    _same_headers(client.get("/admin/"))  # the redirect to the login page, before signing in
    sign_in(client, admin)
    _same_headers(client.get("/dashboard") if client.get("/dashboard").status_code == 200 else client.get("/"))
    nonces = set()
    for path in ADMIN_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        _same_headers(response)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        nonces.update(re.findall(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]))
        html = response.get_data(as_text=True)
        assert ' onclick="' not in html and 'javascript:' not in html  # handed over to admin.js, see below
    assert len(nonces) >= 2  # one per response, never reused
    stranger = make_user(username="someone")
    client.get("/logout")
    sign_in(client, stranger)
    forbidden = client.get("/admin/segment/")
    assert forbidden.status_code == 403
    _same_headers(forbidden)


def test_the_admin_works_under_its_content_security_policy(page, live_url):
    admin = make_user(username="root", role="admin")
    account = own_account(admin)
    for name in ("keepme", "removeme", "bulkgone"):
        add_member(account, make_user(username=name), "viewer")
    console = []
    page.on("console", lambda message: console.append(message.text))
    sign_in_page(page, admin)
    for path in ADMIN_PAGES:
        page.goto(path)
    assert not [m for m in console if "Content Security Policy" in m], console

    # Removing a member (through the members service) asks first, under the CSP.
    page.goto("/admin/membership/")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    row = _viewer_row(page, "removeme")
    row.locator("form.icon button").click()
    page.wait_for_timeout(300)
    assert dialogs and "delete" in dialogs[0].lower()
    assert "removeme" in _member_names(account)  # dismissed: kept
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        _viewer_row(page, "removeme").locator("form.icon button").click()
    # The "With selected" menu (an onclick in Flask-Admin's template) still runs its action.
    _viewer_row(page, "bulkgone").locator("input.action-checkbox").check()
    page.get_by_text("With selected").click()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator(".dropdown-menu a.dropdown-item", has_text="Delete").first.click()
    assert _member_names(account) == ["keepme", "root"]
    assert not [m for m in console if "Content Security Policy" in m], console


def _viewer_row(page, username: str):
    # Each user also owns an account of their own: the row to act on is their viewer membership in the admin's.
    return page.locator("tr").filter(has_text=username).filter(has_text="viewer").first


def _member_names(account) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(User.username).join(Membership)
                                     .where(Membership.account_id == account.id)).all())
