"""Notifications: members hear when a send completes; unread first; read one or all; ALERT_EMAIL gets a copy."""
from app.extensions import db
from app.services import notifications
from tests.conftest import wait_for
from tests.factories import add_member, make_user, own_account
from tests.messaging.factories import make_customer, make_email_campaign


def _send_and_wait(owner_api, campaign):
    owner_api.post(f"/campaigns/{campaign.id}/send")

    def done():
        db.session.expire_all()
        return owner_api.get(f"/campaigns/{campaign.id}/send").json["status"] == "completed"
    wait_for(done, timeout=20)


def test_every_member_is_notified_when_a_send_completes(owner_api, api, user, smtp, celery_worker):
    account = own_account(user)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    make_customer(account, email="a@example.com")
    campaign = make_email_campaign(account, user)

    _send_and_wait(owner_api, campaign)

    mine = owner_api.get("/notifications").json
    theirs = api.login(viewer).in_account(account).get("/notifications").json
    assert mine["total"] == theirs["total"] == 1
    assert mine["notifications"][0]["kind"] == "messaging.completed"
    assert "Winter sale" in mine["notifications"][0]["title"] and mine["notifications"][0]["is_read"] is False


def test_unread_come_first_and_can_be_read_one_by_one_or_all(owner_api, user):
    account = own_account(user)
    for title in ("old", "new", "newest"):
        notifications.notify_members(account, kind="promo.activated", params={"title": title})
        db.session.commit()
    listed = owner_api.get("/notifications").json["notifications"]

    read = owner_api.post(f"/notifications/{listed[0]['id']}/read")
    after = owner_api.get("/notifications").json["notifications"]
    marked = owner_api.post("/notifications/read-all").json

    assert read.status_code == 200 and read.json["is_read"] is True
    assert [n["title"] for n in after] == [listed[1]["title"], listed[2]["title"], listed[0]["title"]]
    assert marked == {"marked": 2}
    assert all(n["is_read"] for n in owner_api.get("/notifications").json["notifications"])


def test_someone_elses_notification_is_not_found(owner_api, api, user):
    other = make_user(username="other")
    notifications.notify_members(own_account(other), kind="promo.activated", params={"title": "private"})
    db.session.commit()
    theirs = api.login(other).get("/notifications").json["notifications"][0]

    assert owner_api.post(f"/notifications/{theirs['id']}/read").status_code == 404
    assert owner_api.get("/notifications").json["total"] == 0


def test_alert_email_gets_a_copy_when_set(owner_api, user, smtp, settings, celery_worker):
    settings(ALERT_EMAIL="ops@shop.test")
    account = own_account(user)
    make_customer(account, email="a@example.com")
    campaign = make_email_campaign(account, user)

    _send_and_wait(owner_api, campaign)

    alert = wait_for(lambda: smtp.to("ops@shop.test"), timeout=10)[0]
    assert "Winter sale" in alert.message["Subject"] and "1 sent" in alert.message.get_content()
    assert alert.bare_line_feeds == 0 and smtp.to("a@example.com")[0].bare_line_feeds == 0
