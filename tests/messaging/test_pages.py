"""The sending pages: state and audience, send now, schedule in a zone, live status, the message log."""
from app.extensions import db
from tests.conftest import wait_for
from tests.factories import add_member, make_user, own_account, sign_in
from tests.messaging.factories import make_customer, make_email_campaign


def test_the_send_page_sends_and_then_shows_progress_and_the_log(client, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="page@example.com")
    campaign = make_email_campaign(account, user)
    sign_in(client, user)

    page = client.get(f"/campaigns/{campaign.id}/sending").get_data(as_text=True)
    sent = client.post(f"/campaigns/{campaign.id}/sending/now")

    assert "1 customers with consent" in page or "1 customer" in page
    assert sent.status_code == 302
    wait_for(lambda: client.get(f"/campaigns/{campaign.id}/sending/status.json").json["status"] == "completed",
             timeout=20)
    status = client.get(f"/campaigns/{campaign.id}/sending/status.json").json
    assert status["progress"] == 100 and "1 sent" in status["message"]
    log = client.get(f"/campaigns/{campaign.id}/sending/messages?status=sent").get_data(as_text=True)
    assert "page@example.com" in log


def test_scheduling_on_the_page_reads_the_time_in_the_chosen_zone(client, user):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)

    response = client.post(f"/campaigns/{campaign.id}/sending/schedule",
                           data={"send_at": "2030-12-24T09:00", "timezone": "Europe/Madrid"})
    past = client.post(f"/campaigns/{campaign.id}/sending/schedule",
                       data={"send_at": "2020-12-24T09:00", "timezone": "Europe/Madrid"})

    assert response.status_code == 302
    db.session.expire_all()
    from app.models import CampaignSend
    assert db.session.query(CampaignSend).one().send_at.isoformat() == "2030-12-24T08:00:00+00:00"
    assert past.status_code == 422 and "Must be in the future" in past.get_data(as_text=True)


def test_a_viewer_sees_the_state_but_cannot_send(client, user):
    account = own_account(user)
    campaign = make_email_campaign(account, user)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    sign_in(client, viewer)
    with client.session_transaction() as session:
        session["account_id"] = str(account.id)  # the account switcher's choice

    page = client.get(f"/campaigns/{campaign.id}/sending")

    assert page.status_code == 200 and "send-now" not in page.get_data(as_text=True)
    assert client.post(f"/campaigns/{campaign.id}/sending/now").status_code == 403


def test_scheduling_on_the_page_at_each_customers_own_time(client, user):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)

    response = client.post(f"/campaigns/{campaign.id}/sending/schedule",
                           data={"send_at": "2030-12-24T09:00", "timezone": "Europe/Madrid", "local_time": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    from app.models import CampaignSend
    send = db.session.query(CampaignSend).one()
    assert send.local_time is True and send.starts_at.isoformat() == "2030-12-23T19:00:00+00:00"  # 09:00 at UTC+14
    page = client.get(f"/campaigns/{campaign.id}/sending").get_data(as_text=True)
    assert "Each customer gets it at that time on their own clock." in page
