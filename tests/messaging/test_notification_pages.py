"""Notifications in the pages: the header's unread count (one indexed count), the dropdown's latest, the list,
mark one read (and follow its link, only a local one) or all; the dashboard's message figures; admin views."""
from sqlalchemy import event

from app.extensions import db
from app.models import Message, MessageStatus, Notification
from app.services import notifications
from tests.factories import make_user, own_account, sign_in
from tests.messaging.factories import make_customer, make_email_campaign


def _notify(account, *titles, link=None):
    for title in titles:
        notifications.notify_members(account, kind="test", title=title, body=f"about {title}", link=link)
    db.session.commit()


def test_the_header_shows_the_unread_count_with_one_count_statement(app, client, user):
    account = own_account(user)
    _notify(account, "one", "two")
    sign_in(client, user)
    client.get("/campaigns")  # warm caches (caller, account)
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        html = client.get("/campaigns").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert 'id="notifications-unread"' in html
    assert '<span class="badge badge-pill badge-danger" id="notifications-unread" >2</span>' in html
    assert sum("FROM notifications" in s for s in statements) == 1


def test_no_badge_when_everything_is_read(client, user):
    _notify(own_account(user), "one")
    sign_in(client, user)
    client.post("/notifications/read-all")

    html = client.get("/campaigns").get_data(as_text=True)

    assert 'id="notifications-unread" hidden>0</span>' in html


def test_the_dropdown_lists_the_latest_unread_first(client, user):
    account = own_account(user)
    _notify(account, "old", "new")
    sign_in(client, user)
    first = notifications.list_notifications(account, user, page=1, size=10).items
    notifications.mark_read(first[0], actor=user)

    menu = client.get("/notifications/menu").json

    assert menu["unread"] == 1
    assert menu["html"].index("old") < menu["html"].index("new")  # unread "old" above read "new"
    assert "Mark all read" in menu["html"]


def test_reading_one_follows_its_local_link_only(client, user):
    account = own_account(user)
    _notify(account, "local", link="/campaigns")
    _notify(account, "elsewhere", link="//evil.test/x")
    sign_in(client, user)
    items = {n.title: n for n in notifications.list_notifications(account, user, page=1, size=10).items}

    local = client.post(f"/notifications/{items['local'].id}/read")
    elsewhere = client.post(f"/notifications/{items['elsewhere'].id}/read")
    as_json = client.post(f"/notifications/{items['local'].id}/read", headers={"Accept": "application/json"})

    assert local.status_code == 302 and local.headers["Location"] == "/campaigns"
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"].endswith("/notifications")
    assert as_json.json == {"unread": 0}
    db.session.expire_all()
    assert all(n.is_read for n in db.session.query(Notification))


def test_someone_elses_notification_cannot_be_read_from_the_pages(client, user):
    other = make_user(username="other")
    _notify(own_account(other), "private")
    theirs = db.session.query(Notification).one()
    sign_in(client, user)

    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert "private" not in client.get("/notifications").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).is_read is False


def test_the_notifications_page_lists_and_marks_all_read(client, user):
    _notify(own_account(user), "send done")
    sign_in(client, user)

    page = client.get("/notifications").get_data(as_text=True)
    done = client.post("/notifications/read-all", follow_redirects=True).get_data(as_text=True)

    assert "send done" in page and "unread" in page
    assert "All notifications are marked read." in done


def test_the_dashboard_counts_messages_sent_opened_and_clicked(client, user):
    account = own_account(user)
    campaign = make_email_campaign(account, user)
    for n, (status, opened, clicked) in enumerate([(MessageStatus.SENT, True, True), (MessageStatus.SENT, True, False),
                                                    (MessageStatus.DELIVERED, False, False),
                                                    (MessageStatus.FAILED, False, False)]):
        customer = make_customer(account, email=f"d{n}@example.com")
        db.session.add(Message(account_id=account.id, campaign_id=campaign.id, customer_id=customer.id,
                               channel="email", language="en", to_address=customer.email, batch_no=0, status=status,
                               opened_first_at=campaign.created_at if opened else None,
                               clicked_first_at=campaign.created_at if clicked else None))
    db.session.commit()
    other = make_user(username="other")
    make_email_campaign(own_account(other), other)
    sign_in(client, user)

    html = client.get("/").get_data(as_text=True)

    for label, value in (("Messages sent", 3), ("Messages opened", 2), ("Messages clicked", 1)):
        assert f'<span class="stat-value">{value}</span><span class="stat-label">{label}</span>' in html


def test_admins_see_messages_sends_and_notifications_read_only(client, user):
    admin = make_user(username="root", role="admin")
    account = own_account(user)
    _notify(account, "hello")
    sign_in(client, admin)

    for path in ("/admin/message/", "/admin/campaignsend/", "/admin/notification/"):
        assert client.get(path).status_code == 200, path
    assert "hello" in client.get("/admin/notification/").get_data(as_text=True)
    assert client.get("/admin/message/new/").status_code in (302, 403, 404)  # no create view
    assert client.post(f"/admin/notification/delete/", data={"id": str(db.session.query(Notification).first().id)}
                       ).status_code in (302, 403, 404)
    db.session.expire_all()
    assert db.session.query(Notification).count() == 1
