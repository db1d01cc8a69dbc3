"""Attacks on messaging: forged tracking tokens, open redirects through click tracking, other accounts' campaigns."""
import uuid

import pytest
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.models import Customer, Message
from app.services import messaging_tracking
from tests.factories import make_user, own_account
from tests.messaging.factories import make_customer, make_email_campaign


@pytest.fixture
def message(user):
    account = own_account(user)
    customer = make_customer(account, email="target@example.com")
    campaign = make_email_campaign(account, user)
    row = Message(account_id=account.id, campaign_id=campaign.id, customer_id=customer.id, channel="email",
                  language="en", to_address=customer.email, batch_no=0)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("path", ["/t/o/", "/t/c/", "/u/"])
@pytest.mark.parametrize("token", ["x", "WyJhYmMiXQ.forged", "../../admin", "a" * 500])
def test_forged_tokens_are_not_found(client, message, path, token):
    assert client.get(path + token).status_code == 404


def test_a_token_signed_with_another_key_or_for_another_purpose_is_not_found(client, app, message):
    with app.test_request_context():
        open_token = messaging_tracking.make_token(messaging_tracking.OPEN, message.id)
        click_token = messaging_tracking.make_token(messaging_tracking.CLICK, message.id, "https://shop.test/")
    foreign = URLSafeSerializer("another-key-of-someone-else-entirely", salt=messaging_tracking.CLICK).dumps(
        [message.id.hex, "https://evil.test/"])

    assert client.get(f"/t/c/{open_token}").status_code == 404  # an open token is no click token
    assert client.get(f"/u/{click_token}").status_code == 404
    assert client.get(f"/t/c/{foreign}").status_code == 404
    assert client.get(f"/t/c/{click_token}").status_code == 302


def test_click_tracking_redirects_only_to_the_signed_url(client, app, message):
    with app.test_request_context():
        token = messaging_tracking.make_token(messaging_tracking.CLICK, message.id, "https://shop.test/sale")
        script = messaging_tracking.make_token(messaging_tracking.CLICK, message.id, "javascript:alert(1)")
    payload, signature = token.rsplit(".", 1)

    assert client.get(f"/t/c/{token}").headers["Location"] == "https://shop.test/sale"
    assert client.get(f"/t/c/{token}?next=https://evil.test/").headers["Location"] == "https://shop.test/sale"
    assert client.get(f"/t/c/{payload[:-2]}xx.{signature}").status_code == 404
    assert client.get(f"/t/c/{script}").status_code == 404


def test_a_token_for_a_message_that_is_gone_is_not_found(client, app, message):
    with app.test_request_context():
        token = messaging_tracking.make_token(messaging_tracking.UNSUBSCRIBE, uuid.uuid4())

    assert client.get(f"/u/{token}").status_code == 404
    assert client.post(f"/u/{token}").status_code == 404


def test_the_one_click_unsubscribe_post_needs_no_session_but_only_touches_its_own_customer(client, app, message, user):
    other = make_customer(own_account(user), email="bystander@example.com")
    with app.test_request_context():
        token = messaging_tracking.make_token(messaging_tracking.UNSUBSCRIBE, message.id)

    assert client.post(f"/u/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, message.customer_id).email_consent is False
    assert db.session.get(Customer, other.id).email_consent is True


@pytest.mark.parametrize("method,path", [
    ("POST", "/campaigns/{id}/send"), ("GET", "/campaigns/{id}/send"), ("POST", "/campaigns/{id}/schedule"),
    ("GET", "/campaigns/{id}/messages"), ("GET", "/campaigns/{id}/logs"),
])
def test_another_accounts_campaign_is_not_found(api, method, path):
    owner = make_user(username="victim")
    campaign = make_email_campaign(own_account(owner), owner)
    attacker = api.login(make_user(username="attacker"))

    response = attacker.request(method, path.format(id=campaign.id),
                                json={"send_at": "2030-01-01T09:00:00", "timezone": "UTC"})

    assert response.status_code == 404


def test_a_viewer_cannot_send_or_schedule(api, user):
    from tests.factories import add_member
    account = own_account(user)
    viewer = make_user(username="viewer")
    add_member(account, viewer, "viewer")
    campaign = make_email_campaign(account, user)
    client = api.login(viewer).in_account(account)

    assert client.post(f"/campaigns/{campaign.id}/send").status_code == 403
    assert client.post(f"/campaigns/{campaign.id}/schedule", json={"send_at": "2030-01-01T09:00:00"}).status_code == 403
    assert client.get(f"/campaigns/{campaign.id}/send").status_code == 200
