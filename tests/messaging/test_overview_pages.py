"""The overview pages: the account's sends (Messages), notifications in the header (one indexed count), its
dropdown and list; the dashboard's message figures; the admin's read-only views."""
from sqlalchemy import event

from app.extensions import db
from app.models import Message, MessageStatus, Notification
from app.services import notifications
from tests.factories import make_user, own_account, sign_in
from tests.messaging.factories import make_customer, make_email_campaign


def test_the_messages_page_lists_email_and_whatsapp_campaigns_with_their_sends(client, user, smtp, celery_worker):
    from app.services import campaigns
    from tests.conftest import wait_for

    account = own_account(user)
    make_customer(account, email="a@example.com")
    sent = make_email_campaign(account, user, name="Sent one")
    make_email_campaign(account, user, name="Draft one")
    campaigns.create_campaign(account, actor=user, name="Ads one", budget=10)  # amazon_ads: not a message
    other = make_user(username="other")
    make_email_campaign(own_account(other), other, name="Not mine")
    sign_in(client, user)
    client.post(f"/campaigns/{sent.id}/sending/now")
    wait_for(lambda: client.get(f"/campaigns/{sent.id}/sending/status.json").json["status"] == "completed",
             timeout=20)

    page = client.get("/messages").get_data(as_text=True)
    completed = client.get("/messages?state=completed").get_data(as_text=True)
    waiting = client.get("/messages?state=not_scheduled").get_data(as_text=True)

    assert "Sent one" in page and "Draft one" in page and "Ads one" not in page and "Not mine" not in page
    assert "completed" in page and "1 / 1" in page  # one sent of one recipient
    assert "Sent one" in completed and "Draft one" not in completed
    assert "Draft one" in waiting and "Sent one" not in waiting
    assert 'href="/messages"' in page  # the sidebar's Messages entry


def _notify(account, *titles, link=None):
    for title in titles:
        notifications.notify_members(account, kind="messaging.failed", params={"name": title, "reason": f"about {title}"},
                                     link=link)
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
    notifications.mark_read(first[0].row, actor=user)  # the list gives read views; the row is marked

    menu = client.get("/notifications/menu").json

    assert menu["unread"] == 1
    assert menu["html"].index("old") < menu["html"].index("new")  # unread "old" above read "new"
    assert "Mark all read" in menu["html"]


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
    assert client.get("/admin/message/new/").status_code == 302  # read-only: back to the list, no form
    assert client.post("/admin/notification/delete/", data={"id": str(db.session.query(Notification).first().id)}
                       ).status_code == 302  # read-only: nothing deleted, back to the list
    db.session.expire_all()
    assert db.session.query(Notification).count() == 1
