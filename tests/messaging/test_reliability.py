"""Exactly-once intent under failure, and the shared rate limiter under several workers."""
import threading
import time

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Campaign, CampaignSend, Message, MessageStatus
from app.services import dispatch, messaging, messaging_dispatch
from app.services.messaging_channels import EmailChannel, channel_for
from app.services.send_rate import SendRateLimiter
from tests.conftest import wait_for
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign


def test_a_worker_killed_mid_batch_leaves_its_messages_to_another_and_nobody_gets_two(
        user, smtp, settings, monkeypatch):
    # Tasks are held back here so the test plays the workers itself, one step at a time.
    held = []
    for module in (dispatch, messaging, messaging_dispatch):
        monkeypatch.setattr(module, "enqueue", lambda name, *args, **options: held.append((name, args)))
    account = own_account(user)
    for n in range(5):
        make_customer(account, email=f"k{n}@example.com")
    campaign = make_email_campaign(account, user)
    send = messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).scalar())
    messaging.start_send(send_id)
    send = db.session.get(CampaignSend, send_id)
    channel = channel_for(campaign, account)
    result = messaging_dispatch.ChunkResult()

    # The first worker sends and records two messages, then claims two more and dies before sending them.
    with channel.session() as session:
        messaging_dispatch.send_rows(channel, session, messaging_dispatch.claim(send, 0, 2), result)
    messaging_dispatch.record(send, result)
    messaging_dispatch.claim(send, 0, 2)
    db.session.commit()
    assert len(smtp.messages) == 2

    # Beat, once the lease has passed, hands the in-flight messages and the batch to another worker.
    settings(MESSAGING_LEASE_SECONDS=0)
    time.sleep(0.01)
    assert messaging_dispatch.resume_stalled_sends() == {"sends": 1, "batches": 1}
    assert ("messaging.send_batch", (send_id, 0)) in held
    messaging_dispatch.send_batch(send_id, 0)

    assert sorted(m.to for m in smtp.messages) == [f"k{n}@example.com" for n in range(5)]
    db.session.expire_all()
    assert {m.status for m in db.session.query(Message)} == {MessageStatus.SENT}
    assert db.session.get(CampaignSend, send_id).status.value == "completed"


@pytest.mark.parametrize("step", ["prepare", "deliver"])
def test_an_unforeseen_error_mid_batch_records_what_went_out_so_nobody_gets_two(user, smtp, monkeypatch, step):
    # The second message breaks while it is rendered (which happens while the server takes the first) or while it
    # is handed over: the first is recorded as sent either way, and the batch run again sends the rest once.
    monkeypatch.setattr(messaging_dispatch, "enqueue", lambda *args, **options: None)
    account = own_account(user)
    for n in range(4):
        make_customer(account, email=f"u{n}@example.com")
    campaign = make_email_campaign(account, user)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).scalar())
    messaging.start_send(send_id)
    original, calls = getattr(EmailChannel, step), []

    def second_one_breaks(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug, not the provider")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailChannel, step, second_one_breaks)
    with pytest.raises(RuntimeError):
        messaging_dispatch.send_batch(send_id, 0)
    db.session.expire_all()
    statuses = sorted(m.status.value for m in db.session.query(Message))
    assert len(smtp.messages) == 1 and statuses == ["queued", "queued", "queued", "sent"]

    monkeypatch.setattr(EmailChannel, step, original)
    messaging_dispatch.send_batch(send_id, 0)  # the batch again, as the lease's resume would run it
    assert sorted(m.to for m in smtp.messages) == [f"u{n}@example.com" for n in range(4)]


def test_no_second_window_exceeds_the_rate_whatever_the_number_of_workers(
        owner_api, user, smtp, settings, celery_worker):
    rate = 20
    settings(EMAIL_RATE_PER_SECOND=rate, MESSAGING_BATCH_SIZE=10)
    account = own_account(user)
    for n in range(70):
        make_customer(account, email=f"r{n:02}@example.com")
    campaign = make_email_campaign(account, user)

    started = time.time()
    owner_api.post(f"/campaigns/{campaign.id}/send")
    wait_for(lambda: len(smtp.messages) == 70, timeout=30)

    arrivals = sorted(m.at for m in smtp.messages)
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= rate
    assert arrivals[-1] - started >= (70 - rate) / rate * 0.9  # really limited, not just lucky


def test_limiters_in_several_threads_share_one_budget(app):
    rate, grants, lock = 30, [], threading.Lock()

    def worker():
        with app.app_context():
            limiter = SendRateLimiter("acct", "email", rate=rate)
            deadline = time.monotonic() + 2.2
            while time.monotonic() < deadline:
                got = limiter.take(5, deadline=deadline)
                with lock:
                    grants.append((time.time(), got))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    times = [t for t, n in grants for _ in range(n)]
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= rate
    assert len(times) >= rate * 1.5


def test_a_cancelled_campaign_sends_nothing_more(owner_api, user, smtp, monkeypatch):
    held = []
    for module in (dispatch, messaging, messaging_dispatch):
        monkeypatch.setattr(module, "enqueue", lambda name, *args, **options: held.append((name, args)))
    account = own_account(user)
    make_customer(account, email="x@example.com")
    campaign = make_email_campaign(account, user)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).scalar())
    db.session.execute(update(Campaign).values(status="cancelled"))
    db.session.commit()

    assert messaging.start_send(send_id) == {"status": "cancelled"}
    assert db.session.query(Message).count() == 0 and smtp.messages == []


def test_cancelling_a_campaign_mid_send_skips_what_is_left(owner_api, user, smtp, monkeypatch):
    held = []
    for module in (dispatch, messaging, messaging_dispatch):
        monkeypatch.setattr(module, "enqueue", lambda name, *args, **options: held.append((name, args)))
    account = own_account(user)
    make_customer(account, email="y@example.com")
    campaign = make_email_campaign(account, user)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).scalar())
    messaging.start_send(send_id)

    assert owner_api.patch(f"/campaigns/{campaign.id}/status", json={"new_status": "cancelled"}).status_code == 200
    messaging_dispatch.send_batch(send_id, 0)

    state = owner_api.get(f"/campaigns/{campaign.id}/send").json
    assert state["status"] == "cancelled" and state["counts"]["skipped"] == 1 and smtp.messages == []
