"""Webhook endpoints through the API: subscriptions, deliveries created with the change, validation."""
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery
from tests.factories import add_member, make_user


def test_creating_an_endpoint_shows_the_secret_once(owner_api, webhook_receiver):
    created = owner_api.post("/webhooks", json={"url": webhook_receiver.url + "/h", "events": ["campaign.created"]})
    assert created.status_code == 201
    assert created.json["secret"].startswith("whsec_") and created.json["active"] is True
    shown = owner_api.get(f"/webhooks/{created.json['id']}").json
    assert "secret" not in shown and shown["secret_hint"] == "…" + created.json["secret"][-4:]
    listed = owner_api.get("/webhooks")
    assert listed.json["total"] == 1 and listed.headers["X-Total-Count"] == "1"


def test_seed_body_is_accepted_as_written(owner_api, webhook_receiver):
    body = {"url": webhook_receiver.url + "/webhook", "events": ["campaign.created", "media.uploaded"],
            "secret": "tu-secreto-webhook"}
    assert owner_api.post("/webhooks/", json=body).status_code == 201


def test_a_change_creates_one_delivery_per_subscribed_endpoint_and_queues_it_after_commit(
        owner_api, subscribe, queued):
    hook = subscribe(events=["campaign.created"])
    other = subscribe(events=["media.uploaded"], path="/other")
    campaign = owner_api.post("/campaigns", json={"name": "Spring", "budget": 100, "channel": "email"})
    assert campaign.status_code == 201
    deliveries = db.session.scalars(select(WebhookDelivery)).all()
    assert [(str(d.endpoint_id), d.event) for d in deliveries] == [(hook["id"], "campaign.created")]
    assert deliveries[0].payload["subject"] == {"type": "campaigns", "id": campaign.json["id"]}
    assert ("webhooks.deliver", (str(deliveries[0].id),)) in queued
    assert not owner_api.get(f"/webhooks/{other['id']}/deliveries").json["deliveries"]


def test_a_disabled_endpoint_gets_no_deliveries(owner_api, subscribe):
    hook = subscribe(events=["*"])
    assert owner_api.patch(f"/webhooks/{hook['id']}", json={"active": False}).json["active"] is False
    owner_api.post("/campaigns", json={"name": "Quiet", "budget": 100, "channel": "email"})
    assert db.session.scalar(select(WebhookDelivery.id)) is None


def test_unknown_events_and_bad_urls_answer_422(owner_api, webhook_receiver):
    bad_event = owner_api.post("/webhooks", json={"url": webhook_receiver.url, "events": ["campaign.exploded"]})
    assert bad_event.status_code == 422 and "campaign.exploded" in str(bad_event.json["details"]["events"])
    for url in ("ftp://example.com/x", "http://user:pw@127.0.0.1/x", "not a url", "http://no-such-host.invalid/"):
        answer = owner_api.post("/webhooks", json={"url": url, "events": ["*"]})
        assert answer.status_code == 422, (url, answer.json)
        assert "url" in answer.json["details"]
    assert owner_api.post("/webhooks", json={"url": webhook_receiver.url, "events": []}).status_code == 422
    assert owner_api.post("/webhooks", json={"url": webhook_receiver.url, "events": ["*"],
                                             "secret": "short"}).status_code == 422


def test_editors_and_viewers_cannot_manage_webhooks(api, owner_api, user, account, webhook_receiver):
    editor = make_user()
    add_member(account, editor, "editor")
    as_editor = api.login(editor).in_account(account)
    assert as_editor.get("/webhooks").status_code == 403
    assert as_editor.post("/webhooks", json={"url": webhook_receiver.url, "events": ["*"]}).status_code == 403


def test_redelivering_a_delivery_still_in_progress_is_a_conflict(owner_api, subscribe):
    hook = subscribe()
    test = owner_api.post(f"/webhooks/{hook['id']}/test")
    assert test.status_code == 202 and test.json["event"] == "webhook.test" and test.json["status"] == "pending"
    again = owner_api.post(f"/webhooks/{hook['id']}/deliveries/{test.json['id']}/redeliver")
    assert again.status_code == 409


def test_deleting_an_endpoint_removes_its_log(owner_api, subscribe):
    hook = subscribe()
    owner_api.post(f"/webhooks/{hook['id']}/test")
    assert owner_api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert owner_api.get(f"/webhooks/{hook['id']}").status_code == 404
    assert db.session.scalar(select(WebhookDelivery.id)) is None
