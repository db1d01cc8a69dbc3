"""Attacks on the messaging pages: the test send as a spam relay (viewers, cross-site posts, floods, bad
addresses), other accounts' campaigns and notifications, open redirects through a notification's link, script in
previewed content."""
import pytest

from app.extensions import db
from app.models import Notification
from app.services import notifications
from tests.factories import add_member, make_user, own_account, sign_in
from tests.messaging.factories import make_email_campaign
from tests.servers import SmtpServer

FORM = {"audience": "", "contents-0-language": "en", "contents-0-subject": "Hi {{ first_name }}",
        "contents-0-body": "Hello", "test_language": "en"}
JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, config):
    smtp_server.reset()
    config(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None)
    return smtp_server


def test_test_sends_are_rate_limited_per_user_and_bad_addresses_refused(client, user, smtp):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)
    url = f"/campaigns/{campaign.id}/compose/test"

    bad = [client.post(url, headers=JSON, data={**FORM, "test_address": address}).status_code
           for address in ("nope", "a@b@c.example.com", "x\r\nBcc: all@example.com")]
    answers = [client.post(url, headers=JSON, data={**FORM, "test_address": f"me{n}@example.com"}).status_code
               for n in range(4)]

    assert bad == [422, 422, 422]
    assert answers == [200, 200, 429, 429]  # 5 a minute, the refused ones counted too
    assert sorted(m.message["To"] for m in smtp.messages) == ["me0@example.com", "me1@example.com"]


def test_a_viewer_cannot_compose_or_send_a_test(client, user, smtp):
    account = own_account(user)
    campaign = make_email_campaign(account, user)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    sign_in(client, viewer)
    with client.session_transaction() as session:
        session["account_id"] = str(account.id)

    assert client.get(f"/campaigns/{campaign.id}/compose").status_code == 403
    for path in ("", "/count", "/preview", "/test"):
        assert client.post(f"/campaigns/{campaign.id}/compose{path}",
                           data={**FORM, "test_address": "me@example.com"}).status_code == 403, path
    assert smtp.messages == []


def test_a_cross_site_post_cannot_send_a_test_or_change_content(client, user, smtp, config):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)
    config(WTF_CSRF_ENABLED=True)

    tested = client.post(f"/campaigns/{campaign.id}/compose/test", data={**FORM, "test_address": "me@example.com"})
    composed = client.post(f"/campaigns/{campaign.id}/compose", data=FORM)
    read_all = client.post("/notifications/read-all")

    assert (tested.status_code, composed.status_code, read_all.status_code) == (400, 400, 400)
    assert smtp.messages == []


def test_another_accounts_campaign_is_not_found_on_every_compose_route(client, user, smtp):
    other = make_user(username="other")
    campaign = make_email_campaign(own_account(other), other)
    sign_in(client, user)

    assert client.get(f"/campaigns/{campaign.id}/compose").status_code == 404
    for path in ("", "/count", "/preview", "/test"):
        answer = client.post(f"/campaigns/{campaign.id}/compose{path}", data={**FORM, "test_address": "me@example.com"})
        assert answer.status_code == 404, path
    assert client.get(f"/campaigns/{campaign.id}/sending/messages?to=a").status_code == 404
    assert smtp.messages == []


def test_another_accounts_segment_cannot_be_counted_or_chosen(client, user):
    from app.services import segments

    other = make_user(username="other")
    theirs = segments.create_segment(own_account(other), actor=other, name="Theirs",
                                     rules={"match": "all", "conditions": [{"field": "city", "op": "eq", "value": "X"}]})
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)

    counted = client.post(f"/campaigns/{campaign.id}/compose/count", data={"audience": str(theirs.id)})
    saved = client.post(f"/campaigns/{campaign.id}/compose", data={**FORM, "audience": str(theirs.id)})

    assert counted.status_code == 422 and saved.status_code == 422
    assert db.session.get(type(campaign), campaign.id).audience == {}


def test_someone_elses_notification_cannot_be_read_from_the_pages(client, user):
    other = make_user(username="other")
    notifications.notify_members(own_account(other), kind="promo.activated", params={"title": "private"})
    db.session.commit()
    theirs = db.session.query(Notification).one()
    sign_in(client, user)

    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert "private" not in client.get("/notifications").get_data(as_text=True)
    assert "private" not in client.get("/notifications/menu").json["html"]
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).is_read is False


@pytest.mark.parametrize("link", ["//evil.example.com/x", "https://evil.example.com/", "/\\evil.example.com",
                                  "javascript:alert(1)"])
def test_a_notifications_link_never_leads_off_site(client, user, link):
    account = own_account(user)
    notifications.notify_members(account, kind="promo.activated", params={"title": "t"}, link=link)
    db.session.commit()
    sign_in(client, user)
    notification = db.session.query(Notification).one()

    answer = client.post(f"/notifications/{notification.id}/read")

    assert answer.status_code == 302 and answer.headers["Location"] == "/notifications"


def test_script_in_previewed_content_stays_inert(client, user):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)
    body = '<p>Hi</p><script>alert(1)</script><img src=x onerror="alert(2)">'

    preview = client.post(f"/campaigns/{campaign.id}/compose/preview", headers=JSON,
                          data={**FORM, "contents-0-body": body, "contents-0-subject": "<script>alert(3)</script>"})

    html = preview.json["html"]
    assert '<iframe class="preview-frame" sandbox=""' in html  # no scripts, no same origin inside the frame
    assert "<script>" not in html and "onerror=\"alert" not in html  # escaped into srcdoc, never page markup
