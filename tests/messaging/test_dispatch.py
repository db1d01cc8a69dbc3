"""The batch's fast path keeps its promises: one claim and one write-back per chunk, tokens read by the tracking
routes, a limiter that counts sends when they happen, fan-out ids and batches, deletes that follow customers and
campaigns, and exactly-once with two workers on one batch."""
import time
import uuid

from sqlalchemy import delete, select, text

from app.extensions import db
from app.models import Campaign, CampaignSend, Customer, Message, MessageStatus
from app.services import messaging, messaging_dispatch, messaging_tracking
from app.services.messaging_channels import TokenSigner
from app.services.send_rate import SendRateLimiter
from tests.factories import own_account, race
from tests.messaging.factories import make_customer, make_email_campaign, statements


def _started(user, count: int, *, prefix: str = "c"):
    """A campaign to `count` customers, started (fanned out); its batch tasks are held by the `queued` fixture."""
    account = own_account(user)
    for n in range(count):
        make_customer(account, email=f"{prefix}{n:03}@example.com")
    campaign = make_email_campaign(account, user)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.scalar(select(CampaignSend.id).where(CampaignSend.campaign_id == campaign.id)))
    messaging.start_send(send_id)
    return account, campaign, send_id


def test_a_batch_claims_and_writes_back_once_per_chunk_not_per_message(user, smtp, settings, queued):
    settings(EMAIL_RATE_PER_SECOND=1_000_000)
    _, campaign, send_id = _started(user, 30)

    with statements() as seen:
        messaging_dispatch.send_batch(send_id, 0)

    claims = [s for s in seen if s.lstrip().startswith("WITH picked AS")]
    writes = [s for s in seen if s.startswith("UPDATE messages SET status=%(status)s, reason=%(reason)s, provider_id")]
    assert len(smtp.messages) == 30
    assert len(claims) == 1 and len(writes) == 1
    assert messaging.send_state(campaign)["status"] == "completed"
    assert ("messaging.send_batch", (send_id, 0)) in queued


def test_tracking_tokens_made_per_batch_are_the_ones_the_tracking_routes_read(app):
    signer = TokenSigner(app.config["SECRET_KEY"])
    message_id = uuid.uuid4()
    for kind, url in ((messaging_tracking.OPEN, None), (messaging_tracking.UNSUBSCRIBE, None),
                      (messaging_tracking.CLICK, "https://shop.test/rebajas?x=1&y=ñ")):
        token = signer.token(kind, message_id, url)
        assert messaging_tracking.read_token(kind, token) == (message_id, url)
        assert token == messaging_tracking.make_token(kind, message_id, url)
    forged = signer.token(messaging_tracking.OPEN, message_id)[:-2] + "xx"
    other_kind = signer.token(messaging_tracking.OPEN, message_id)
    for kind, token in ((messaging_tracking.OPEN, forged), (messaging_tracking.CLICK, other_kind)):
        try:
            messaging_tracking.read_token(kind, token)
        except Exception as exc:  # NotFound: a forged or another kind's token is unknown
            assert exc.__class__.__name__ == "NotFound"
        else:
            raise AssertionError("a forged token was accepted")


def test_a_grant_counts_from_its_last_send_and_gives_back_what_it_did_not_use(app):
    limiter = SendRateLimiter(f"acct-{uuid.uuid4().hex}", "email", rate=10)

    assert limiter.take(10) == 10
    limiter.settle(4)  # only four were there to send: six go back
    assert limiter.take(10, deadline=time.monotonic() + 0.2) == 6

    slow = SendRateLimiter(f"acct-{uuid.uuid4().hex}", "email", rate=10)
    assert slow.take(10) == 10
    time.sleep(1.2)  # the sends took longer than the window: they count from the last one, not from the grant
    slow.settle(10)
    assert slow.take(1, deadline=time.monotonic() + 0.5) == 0


def test_fan_out_ids_are_time_ordered_uuids_and_batches_are_full_in_customer_order(user, settings):
    settings(MESSAGING_BATCH_SIZE=4)
    _, campaign, _ = _started(user, 10)

    rows = db.session.execute(select(Message.id, Message.customer_id, Message.batch_no)
                              .where(Message.campaign_id == campaign.id).order_by(Message.customer_id)).all()
    assert [r.batch_no for r in rows] == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert all(r.id.version == 7 for r in rows)
    assert [r.id for r in rows] == sorted(r.id for r in rows)  # numbered in customer order
    assert abs(int(rows[0].id.hex[:12], 16) / 1000 - time.time()) < 60  # a UUIDv7 carries its time


def test_deleting_a_customer_or_a_campaign_deletes_their_messages(user):
    account, campaign, _ = _started(user, 3, prefix="d")
    other = make_email_campaign(account, user, name="Other")
    messaging.send_now(other, actor=user)
    messaging.start_send(str(db.session.scalar(select(CampaignSend.id).where(CampaignSend.campaign_id == other.id))))
    gone = db.session.scalar(select(Customer).where(Customer.email == "d000@example.com"))

    db.session.execute(delete(Customer).where(Customer.id == gone.id))
    db.session.commit()
    assert db.session.scalar(select(Message.id).where(Message.customer_id == gone.id)) is None
    assert db.session.query(Message).count() == 4

    db.session.execute(delete(Campaign).where(Campaign.id == campaign.id))
    db.session.commit()
    assert {m.campaign_id for m in db.session.query(Message)} == {other.id}


def test_a_message_whose_customer_was_deleted_during_the_fan_out_is_dropped_not_left_queued(user, smtp):
    account, campaign, send_id = _started(user, 2, prefix="o")
    # What a delete committed between the fan-out's read and its commit leaves: a message without its customer.
    db.session.execute(text(
        "INSERT INTO messages (id, account_id, campaign_id, customer_id, channel, language, to_address, batch_no, "
        "status, attempts, open_count, click_count) VALUES (gen_random_uuid(), :a, :c, gen_random_uuid(), 'email', "
        "'en', 'ghost@example.com', 0, 'queued', 0, 0, 0)"), {"a": account.id, "c": campaign.id})
    db.session.commit()

    messaging_dispatch.send_batch(send_id, 0)

    assert sorted(m.to for m in smtp.messages) == ["o000@example.com", "o001@example.com"]
    assert messaging.send_state(campaign)["status"] == "completed"
    assert db.session.query(Message).count() == 2


def test_two_workers_on_one_batch_send_each_message_once(app, user, smtp, settings):
    settings(EMAIL_RATE_PER_SECOND=40)  # chunks of four: the two workers interleave their claims
    _, campaign, send_id = _started(user, 24, prefix="w")
    results = race(app, [lambda: messaging_dispatch.send_batch(send_id, 0)] * 2)

    assert sorted(m.to for m in smtp.messages) == [f"w{n:03}@example.com" for n in range(24)]
    assert sum(r["sent"] for r in results) == 24
    db.session.expire_all()
    assert {m.status for m in db.session.query(Message)} == {MessageStatus.SENT}
    assert messaging.send_state(campaign)["status"] == "completed"
