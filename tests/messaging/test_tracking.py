"""Opens, clicks and unsubscribes, with the links read out of the emails the SMTP server received."""
import re

from app.extensions import db
from app.models import ActivityEvent, ConsentChange, Customer
from tests.conftest import wait_for
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign


def _send(owner_api, campaign):
    owner_api.post(f"/campaigns/{campaign.id}/send")

    def done():
        db.session.expire_all()
        return owner_api.get(f"/campaigns/{campaign.id}/send").json["status"] == "completed"
    wait_for(done, timeout=20)


def _links(received):
    html = received.part("text/html")
    return {"pixel": re.search(r'src="(http://links\.test/t/o/[^"]+)"', html).group(1),
            "click": re.search(r'href="(http://links\.test/t/c/[^"]+)"', html).group(1),
            "unsubscribe": re.search(r"<(http://links\.test/u/[^>]+)>", received.message["List-Unsubscribe"]).group(1)}


def _path(url):
    return url.removeprefix("http://links.test")


def test_opens_and_clicks_are_counted_with_first_and_last_time(owner_api, user, smtp, client, celery_worker):
    account = own_account(user)
    make_customer(account, email="reader@example.com")
    campaign = make_email_campaign(account, user)
    _send(owner_api, campaign)
    links = _links(smtp.messages[0])

    pixel = client.get(_path(links["pixel"]))
    client.get(_path(links["pixel"]))
    click = client.get(_path(links["click"]))

    assert pixel.status_code == 200 and pixel.mimetype == "image/gif" and "no-store" in pixel.headers["Cache-Control"]
    assert click.status_code == 302 and click.headers["Location"] == "https://shop.test/sale?x=1"
    message = owner_api.get(f"/campaigns/{campaign.id}/messages").json["messages"][0]
    assert message["open_count"] == 2 and message["click_count"] == 1
    assert message["opened_first_at"] <= message["opened_last_at"]
    state = owner_api.get(f"/campaigns/{campaign.id}/send").json
    assert state["counts"]["opened"] == 1 and state["counts"]["clicked"] == 1
    assert state["open_rate"] == 100.0 and state["click_rate"] == 100.0


def test_links_in_an_html_body_are_tracked_and_lead_to_their_own_url(owner_api, user, smtp, client, celery_worker):
    account = own_account(user)
    make_customer(account, email="html@example.com", first_name="Eve")
    body = '<p>Hi {{ first_name }}, <a href="https://shop.test/a?b=1&amp;c=2">shop</a></p>'
    campaign = make_email_campaign(account, user, content={"en": {"subject": "Hi", "body": body}})
    _send(owner_api, campaign)
    received = smtp.messages[0]

    click = client.get(_path(_links(received)["click"]))

    assert "Hi Eve" in received.part("text/html") and "Hi Eve" in received.part("text/plain")
    assert click.headers["Location"] == "https://shop.test/a?b=1&c=2"


def test_unsubscribing_withdraws_consent_and_later_sends_skip_the_customer(owner_api, user, smtp, client,
                                                                             celery_worker):
    account = own_account(user)
    make_customer(account, email="leaver@example.com")
    make_customer(account, email="stayer@example.com")
    first = make_email_campaign(account, user, name="First")
    _send(owner_api, first)
    leaver = _links(smtp.to("leaver@example.com")[0])["unsubscribe"]

    page = client.get(_path(leaver))
    still = db.session.query(Customer).filter_by(email="leaver@example.com").one().email_consent
    one_click = client.post(_path(leaver), data={"List-Unsubscribe": "One-Click"})
    second = make_email_campaign(account, user, name="Second")
    smtp.reset()
    _send(owner_api, second)

    assert page.status_code == 200 and "leaver@example.com" in page.get_data(as_text=True) and still is True
    assert one_click.status_code == 200 and "unsubscribed" in one_click.get_data(as_text=True)
    db.session.expire_all()
    customer = db.session.query(Customer).filter_by(email="leaver@example.com").one()
    assert customer.email_consent is False and customer.email_consent_source == "unsubscribe link"
    assert db.session.query(ConsentChange).filter_by(customer_id=customer.id, granted=False).count() == 1
    assert db.session.query(ActivityEvent).filter_by(name="customer.unsubscribed").count() == 1
    assert [m.to for m in smtp.messages] == ["stayer@example.com"]
