"""Deliveries to a real local HTTP receiver through a real worker: signed, retried, failed, disabled."""
import json
import time

from sqlalchemy import select

from app.extensions import db
from app.models import Notification, WebhookDelivery, WebhookEndpoint
from app.services import webhook_delivery
from tests.conftest import wait_for
from tests.webhooks.conftest import verify


def _deliveries(owner_api, hook_id, status=None):
    path = f"/webhooks/{hook_id}/deliveries" + (f"?status={status}" if status else "")
    return owner_api.get(path).json["deliveries"]


def test_an_event_reaches_the_receiver_signed_and_verifiable(owner_api, subscribe, webhook_receiver,
                                                             celery_worker):
    hook = subscribe(events=["campaign.created"])
    campaign = owner_api.post("/campaigns", json={"name": "Launch", "budget": 50, "channel": "email"}).json
    received = wait_for(lambda: webhook_receiver.received)[0]
    assert received.path == "/hook" and verify(received)
    assert received.headers["X-Webhook-Event"] == "campaign.created"
    assert abs(int(received.headers["X-Webhook-Timestamp"]) - time.time()) < 30
    assert received.json["subject"]["id"] == campaign["id"] and received.json["event"] == "campaign.created"
    assert received.headers["Content-Type"] == "application/json"
    delivery = wait_for(lambda: [d for d in _deliveries(owner_api, hook["id"]) if d["status"] == "succeeded"])[0]
    assert delivery["id"] == received.headers["X-Webhook-Id"]
    assert delivery["attempts"] == 1 and delivery["response_status"] == 200
    # A receiver that checks against another secret refuses it.
    assert not verify(received, secret="another-secret-entirely-123")


def test_no_delivery_for_events_the_endpoint_did_not_subscribe_to(owner_api, subscribe, webhook_receiver,
                                                                  celery_worker):
    subscribe(events=["media.uploaded"])
    owner_api.post("/campaigns", json={"name": "Unheard", "budget": 50, "channel": "email"})
    time.sleep(1.0)
    assert webhook_receiver.received == []


def test_a_500_is_retried_with_backoff_until_it_succeeds(owner_api, subscribe, webhook_receiver, config,
                                                         celery_worker):
    config(WEBHOOKS_RETRY_BASE=0.3)
    webhook_receiver.answer(500, 503)
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    done = wait_for(lambda: [d for d in _deliveries(owner_api, hook["id"]) if d["status"] == "succeeded"])[0]
    assert done["attempts"] == 3 and len(webhook_receiver.received) == 3
    ids = {r.headers["X-Webhook-Id"] for r in webhook_receiver.received}
    assert ids == {done["id"]}  # the same delivery id on every try, so receivers can drop repeats
    gaps = [b.at - a.at for a, b in zip(webhook_receiver.received, webhook_receiver.received[1:])]
    assert gaps[0] >= 0.15 and gaps[1] >= 0.3  # half to all of base·2^n: 0.15-0.3 s, then 0.3-0.6 s
    assert all(verify(r) for r in webhook_receiver.received)


def test_a_refusal_4xx_is_not_retried(owner_api, subscribe, webhook_receiver, config, celery_worker):
    config(WEBHOOKS_RETRY_BASE=0.1)
    webhook_receiver.answer(400)
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    failed = wait_for(lambda: _deliveries(owner_api, hook["id"], "failed"))[0]
    time.sleep(0.5)
    assert failed["attempts"] == 1 and failed["response_status"] == 400 and len(webhook_receiver.received) == 1


def test_429_and_timeouts_are_retried(owner_api, subscribe, webhook_receiver, config, celery_worker):
    config(WEBHOOKS_RETRY_BASE=0.1, WEBHOOKS_TIMEOUT=0.5)
    webhook_receiver.answer((429, {"Retry-After": "1"}), (200, {}, 2.0))
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    done = wait_for(lambda: _deliveries(owner_api, hook["id"], "succeeded"), timeout=15)[0]
    received = webhook_receiver.received
    assert done["attempts"] == 3 and len(received) == 3
    assert received[1].at - received[0].at >= 0.9  # Retry-After is a floor under the backoff


def test_spent_retries_fail_the_delivery_and_repeated_failures_disable_the_endpoint_with_a_notification(
        owner_api, user, subscribe, webhook_receiver, config, celery_worker):
    config(WEBHOOKS_RETRY_BASE=0.05, WEBHOOKS_MAX_ATTEMPTS=2, WEBHOOKS_DISABLE_AFTER=2)
    webhook_receiver.answer(*[500] * 10)
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    first = wait_for(lambda: _deliveries(owner_api, hook["id"], "failed"))[0]
    assert first["attempts"] == 2 and first["error"] == "The receiver answered 500"
    assert owner_api.get(f"/webhooks/{hook['id']}").json["active"] is True
    owner_api.post(f"/webhooks/{hook['id']}/test")
    wait_for(lambda: len(_deliveries(owner_api, hook["id"], "failed")) == 2)
    shown = owner_api.get(f"/webhooks/{hook['id']}").json
    assert shown["active"] is False and shown["consecutive_failures"] == 2 and shown["disabled_reason"]
    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert [n.kind for n in notes] == ["webhook.disabled"]
    # Turning it on again starts the count afresh; a success would reset it too.
    assert owner_api.patch(f"/webhooks/{hook['id']}", json={"active": True}).json["consecutive_failures"] == 0


def test_a_failed_delivery_can_be_redelivered_by_hand(owner_api, subscribe, webhook_receiver, config,
                                                      celery_worker):
    config(WEBHOOKS_MAX_ATTEMPTS=1)
    webhook_receiver.answer(500)
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    failed = wait_for(lambda: _deliveries(owner_api, hook["id"], "failed"))[0]
    again = owner_api.post(f"/webhooks/{hook['id']}/deliveries/{failed['id']}/redeliver")
    assert again.status_code == 202
    done = wait_for(lambda: _deliveries(owner_api, hook["id"], "succeeded"))[0]
    assert done["id"] == failed["id"] and len(webhook_receiver.received) == 2
    assert webhook_receiver.received[0].body == webhook_receiver.received[1].body


def test_delivering_twice_sends_once(owner_api, subscribe, webhook_receiver, app):
    hook = subscribe()
    delivery_id = owner_api.post(f"/webhooks/{hook['id']}/test").json["id"]
    no_wait = lambda retries, retry_after: 0.0  # noqa: E731
    assert webhook_delivery.deliver(delivery_id, backoff=no_wait) == "succeeded"
    assert webhook_delivery.deliver(delivery_id, backoff=no_wait) == "skipped"
    assert len(webhook_receiver.received) == 1
    assert json.loads(webhook_receiver.received[0].body)["event"] == "webhook.test"


def test_beat_picks_up_a_try_whose_worker_vanished(owner_api, subscribe, webhook_receiver):
    hook = subscribe()
    delivery_id = owner_api.post(f"/webhooks/{hook['id']}/test").json["id"]
    assert webhook_delivery.claim(delivery_id) is not None  # a worker took it, then died
    assert webhook_delivery.due_deliveries() == []
    db.session.execute(WebhookDelivery.__table__.update().values(lease_until=db.func.now() - db.text("interval '1 s'")))
    db.session.commit()
    assert webhook_delivery.due_deliveries() == [delivery_id]
    assert db.session.get(WebhookEndpoint, hook["id"]) is not None
