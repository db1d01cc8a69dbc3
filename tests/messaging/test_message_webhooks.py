"""`message.*` webhook events reach a real local receiver: one delivery per chunk and event listing its messages
(not one per message), signed like every delivery; status callbacks and tracking send theirs; an account without
such a subscription gets no delivery and pays no statement for it."""
import json

from sqlalchemy import select, update

from app.extensions import db
from app.models import CampaignSend, CustomerSendQuota, Message, WebhookDelivery
from app.services import messaging, messaging_dispatch, messaging_hooks, webhook_delivery
from app.services.messaging_channels import TokenSigner
from app.services.messaging_tracking import CLICK, OPEN
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign, statements
from tests.webhooks.conftest import SECRET, verify


def _no_wait(retries, retry_after):
    return 0.0


def _subscribe(owner_api, receiver, events):
    response = owner_api.post("/webhooks", json={"url": receiver.url + "/hook", "events": events, "secret": SECRET})
    assert response.status_code == 201, response.json
    return response.json


def _started(account, user, emails):
    for email in emails:
        make_customer(account, email=email)
    campaign = make_email_campaign(account, user)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.scalar(select(CampaignSend.id).where(CampaignSend.campaign_id == campaign.id)))
    messaging.start_send(send_id)
    return campaign, send_id


def _deliver_queued(queued) -> None:
    """Run the webhooks.deliver tasks the code queued (the `queued` fixture holds them) against the receiver."""
    for name, args in queued:
        if name == "webhooks.deliver":
            assert webhook_delivery.deliver(args[0], backoff=_no_wait) == "succeeded"


def test_a_batch_posts_one_signed_delivery_per_event_listing_its_messages(
        owner_api, user, smtp, settings, queued, webhook_receiver):
    settings(EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    _subscribe(owner_api, webhook_receiver, ["message.*"])
    smtp.answer("gone@example.com", "550 5.1.1 No such user")
    campaign, send_id = _started(account, user, [f"ok{n}@example.com" for n in range(4)] + ["gone@example.com"])

    messaging_dispatch.send_batch(send_id, 0)
    _deliver_queued(queued)

    assert all(verify(r) for r in webhook_receiver.received)
    by_event = {r.headers["X-Webhook-Event"]: json.loads(r.body) for r in webhook_receiver.received}
    assert set(by_event) == {"message.sent", "message.bounced"}
    sent = by_event["message.sent"]
    assert sent["data"]["count"] == 4 and sent["data"]["campaign_id"] == str(campaign.id)
    assert sorted(m["to"] for m in sent["data"]["messages"]) == [f"ok{n}@example.com" for n in range(4)]
    ids = {str(m.id) for m in db.session.scalars(select(Message).where(Message.to_address != "gone@example.com"))}
    assert {m["id"] for m in sent["data"]["messages"]} == ids
    assert all(m["provider_id"] and m["channel"] == "email" for m in sent["data"]["messages"])
    bounced = by_event["message.bounced"]["data"]["messages"]
    assert [m["to"] for m in bounced] == ["gone@example.com"] and "550" in bounced[0]["reason"]


def test_an_account_without_a_message_subscription_gets_no_delivery_and_no_statement_per_chunk(
        owner_api, user, smtp, settings, queued, webhook_receiver):
    settings(EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    _subscribe(owner_api, webhook_receiver, ["campaign.*"])
    _, send_id = _started(account, user, [f"q{n}@example.com" for n in range(5)])

    with statements() as seen:
        messaging_dispatch.send_batch(send_id, 0)

    assert len(smtp.messages) == 5
    # (The batch's own activity events, messaging.batch_done and .completed, go through record_event as ever.)
    assert not [s for s in seen if "INSERT INTO webhook_deliveries" in s and "unnest" in s]
    assert len([s for s in seen if s.startswith("SELECT webhook_endpoints.events")]) == 1  # one look per batch
    assert db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.event.like("message.%"))) is None


def test_only_the_subscribed_message_events_are_delivered(owner_api, user, smtp, settings, queued, webhook_receiver):
    settings(EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    _subscribe(owner_api, webhook_receiver, ["message.bounced"])
    smtp.answer("refused@example.com", "554 5.7.1 Refused")  # a 5xx to RCPT: a hard bounce
    _, send_id = _started(account, user, ["fine@example.com", "refused@example.com"])

    messaging_dispatch.send_batch(send_id, 0)
    _deliver_queued(queued)

    assert [r.headers["X-Webhook-Event"] for r in webhook_receiver.received] == ["message.bounced"]
    failed = json.loads(webhook_receiver.received[0].body)["data"]["messages"]
    assert [m["to"] for m in failed] == ["refused@example.com"] and "554" in failed[0]["reason"]


def test_status_callbacks_and_tracking_send_their_events(app, client, owner_api, user, smtp, settings, queued,
                                                        webhook_receiver):
    settings(EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    _subscribe(owner_api, webhook_receiver, ["message.delivered", "message.opened", "message.clicked"])
    _, send_id = _started(account, user, ["reader@example.com"])
    messaging_dispatch.send_batch(send_id, 0)
    message = db.session.scalar(select(Message))
    db.session.execute(update(Message).values(provider_id="SM" + "0" * 32))
    db.session.commit()
    signer = TokenSigner(app.config["SECRET_KEY"])

    messaging_hooks.record_status({"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"})
    assert client.get(f"/t/o/{signer.token(OPEN, message.id)}").status_code == 200
    assert client.get(f"/t/o/{signer.token(OPEN, message.id)}").status_code == 200  # a second open: no event
    assert client.get(f"/t/c/{signer.token(CLICK, message.id, 'https://shop.test/sale')}").status_code == 302
    _deliver_queued(queued)

    events = [(r.headers["X-Webhook-Event"], json.loads(r.body)["data"]["messages"][0]) for r in
              webhook_receiver.received]
    assert [name for name, _ in events] == ["message.delivered", "message.opened", "message.clicked"]
    assert all(item["id"] == str(message.id) for _, item in events)
    assert events[2][1]["url"] == "https://shop.test/sale"


def test_the_webhook_api_takes_message_events_and_refuses_unknown_ones(owner_api, webhook_receiver):
    made = owner_api.post("/webhooks", json={"url": webhook_receiver.url + "/hook",
                                             "events": ["message.sent", "message.opened", "message.*"]})
    assert made.status_code == 201 and made.json["events"] == ["message.sent", "message.opened", "message.*"]
    wrong = owner_api.post("/webhooks", json={"url": webhook_receiver.url + "/hook", "events": ["message.lost"]})
    assert wrong.status_code == 422 and "message.lost" in json.dumps(wrong.json["details"])


def test_a_send_the_provider_refuses_as_a_whole_fails_its_messages_and_says_so(
        owner_api, user, smtp, settings, queued, webhook_receiver):
    # The local server offers no STARTTLS: asking for it is refused when the batch's connection opens (in the
    # sending thread), before anything is sent.
    settings(EMAIL_RATE_PER_SECOND=1_000_000, SMTP_SECURITY="starttls", MAX_MESSAGES_PER_CUSTOMER_PER_DAY=1)
    account = own_account(user)
    _subscribe(owner_api, webhook_receiver, ["message.failed"])
    campaign, send_id = _started(account, user, ["one@example.com", "two@example.com"])

    assert messaging_dispatch.send_batch(send_id, 0)["status"] == "failed"
    _deliver_queued(queued)

    assert smtp.messages == []
    assert messaging.send_state(campaign)["status"] == "failed"
    db.session.expire_all()
    assert {m.status.value for m in db.session.scalars(select(Message))} == {"failed"}
    assert all(not q.recent for q in db.session.scalars(select(CustomerSendQuota)))  # slots given back
    failed = json.loads(webhook_receiver.received[0].body)["data"]["messages"]
    assert sorted(m["to"] for m in failed) == ["one@example.com", "two@example.com"]
    assert "STARTTLS" in failed[0]["reason"] or "SMTP_SECURITY" in failed[0]["reason"]
