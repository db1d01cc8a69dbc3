"""Notifications are stored as a message key and its values, and read in each member's own language: the API, the
pages (list, header menu) and the dashboard; rows stored as free text before keys existed read as they were."""
import pytest

from app.extensions import db
from app.models import Notification
from app.services import notifications
from tests.factories import add_member, make_user, own_account, sign_in


@pytest.fixture
def members(user):
    """The owner reads English; Ana, a member of the same account, reads Spanish."""
    account = own_account(user)
    ana = make_user(username="ana", language="es")
    add_member(account, ana, "viewer")
    return account, ana


def _send_completed(account):
    notifications.notify_members(account, kind="messaging.completed", link="/campaigns",
                                 params={"name": "Rebajas", "sent": 1204, "failed": 0, "skipped": 3})
    db.session.commit()


def test_each_member_reads_a_notification_in_their_own_language_in_the_api(api, user, members):
    account, ana = members
    _send_completed(account)

    mine = api.login(user).get("/notifications").json["notifications"]
    hers = api.login(ana).in_account(account).get("/notifications").json["notifications"]

    assert [(n["title"], n["body"]) for n in mine] == [("“Rebajas” was sent", "1,204 sent, 0 failed, 3 skipped.")]
    assert [(n["title"], n["body"]) for n in hers] == [("“Rebajas” se envió",
                                                         "1.204 enviados, 0 fallidos, 3 omitidos.")]
    read = api.login(ana).in_account(account).post(f"/notifications/{hers[0]['id']}/read").json
    assert read["title"] == "“Rebajas” se envió" and read["is_read"] is True
    dashboard = api.login(ana).in_account(account).get("/dashboard").json
    assert [n["title"] for n in dashboard["notifications"]] == ["“Rebajas” se envió"]
    # The stored words are English (the admin's list, the operator's alert), with the key's values beside them.
    stored = db.session.query(Notification).filter_by(user_id=ana.id).one()
    assert stored.title == "“Rebajas” was sent" and stored.params == {"name": "Rebajas", "sent": 1204,
                                                                        "failed": 0, "skipped": 3}


def test_each_member_reads_a_notification_in_their_own_language_in_the_pages(app, user, members):
    account, ana = members
    _send_completed(account)

    with app.test_client() as owner:
        sign_in(owner, user)
        page = owner.get("/notifications").get_data(as_text=True)
        menu = owner.get("/notifications/menu").json["html"]
    with app.test_client() as client:
        sign_in(client, ana)
        client.post("/accounts/switch", data={"account_id": str(account.id)})
        pagina = client.get("/notifications").get_data(as_text=True)
        menu_es = client.get("/notifications/menu").json["html"]

    assert "“Rebajas” was sent" in page and "1,204 sent, 0 failed, 3 skipped." in page and "se envió" not in page
    assert "“Rebajas” was sent" in menu
    assert "“Rebajas” se envió" in pagina and "1.204 enviados, 0 fallidos, 3 omitidos." in pagina
    assert "was sent" not in pagina and "“Rebajas” se envió" in menu_es


def test_notifications_stored_as_free_text_before_keys_read_as_they_were(api, user, members):
    account, ana = members
    for member in (user, ana):  # as the code before message keys wrote them: English words, no params
        db.session.add(Notification(account_id=account.id, user_id=member.id, kind="messaging.completed",
                                    title="“Old sale” was sent", body="2 sent, 0 failed, 0 skipped."))
    db.session.commit()

    for client in (api.login(user), api.login(ana).in_account(account)):
        listed = client.get("/notifications").json["notifications"]
        assert [(n["title"], n["body"]) for n in listed] == [("“Old sale” was sent", "2 sent, 0 failed, 0 skipped.")]


def test_a_notification_for_one_member_reaches_only_them_while_they_are_a_member(user, members):
    account, ana = members
    viewer = make_user(username="viewer")

    told = notifications.notify_members(account, kind="report.ready", params={"filename": "r.pdf"}, member=ana.id)
    nobody = notifications.notify_members(account, kind="report.ready", params={"filename": "r.pdf"},
                                          member=viewer.id)  # not a member of this account
    db.session.commit()

    assert (told, nobody) == (1, 0)
    assert [n.user_id for n in db.session.query(Notification)] == [ana.id]


def test_a_kind_without_words_is_a_programming_error(user):
    with pytest.raises(ValueError, match="MESSAGES"):
        notifications.notify_members(own_account(user), kind="made.up", params={})
