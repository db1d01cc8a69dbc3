"""MAX_MESSAGES_PER_CUSTOMER_PER_DAY holds when campaigns race: two campaigns sending to the same customers at the
same moment, each in a worker thread with its own database connection, never pass the cap together; capped
messages are skipped with the reason; a message that is not sent after all gives its slot back."""
import functools

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.integrations import RetryableIntegrationError
from app.models import CampaignSend, CustomerSendQuota, Message, MessageStatus
from app.models.messaging import ACCEPTED
from app.services import messaging, messaging_dispatch
from tests.factories import own_account, race
from tests.messaging.factories import make_customer, make_email_campaign

CUSTOMERS = 30


def _started(account, user, name: str) -> str:
    campaign = make_email_campaign(account, user, name=name)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.scalar(select(CampaignSend.id).where(CampaignSend.campaign_id == campaign.id)))
    messaging.start_send(send_id)
    return send_id


def _race(app, send_ids: list[str]) -> list[dict]:
    """Each send's batch 0 on a thread of its own, started together."""
    return race(app, [functools.partial(messaging_dispatch.send_batch, send_id, 0) for send_id in send_ids])


def _slots_taken() -> dict:
    db.session.expire_all()
    return {q.customer_id: len(q.recent) for q in db.session.scalars(select(CustomerSendQuota)) if q.recent}


def _sent_per_customer() -> dict:
    return dict(db.session.execute(select(Message.customer_id, func.count()).where(Message.status.in_(ACCEPTED))
                                   .group_by(Message.customer_id)).all())


# A high rate claims each batch in one statement; a low one in chunks of a few, so the two sends' claims interleave.
@pytest.mark.parametrize("rate", [1_000_000, 60])
def test_two_campaigns_sending_to_the_same_customers_at_once_never_pass_the_cap(app, user, smtp, settings, queued,
                                                                              rate):
    settings(MAX_MESSAGES_PER_CUSTOMER_PER_DAY=1, EMAIL_RATE_PER_SECOND=rate)
    account = own_account(user)
    for n in range(CUSTOMERS):
        make_customer(account, email=f"r{n:02}@example.com")
    sends = [_started(account, user, "First"), _started(account, user, "Second")]

    results = _race(app, sends)

    db.session.expire_all()
    per_customer = db.session.execute(select(Message.customer_id, func.count()).where(Message.status.in_(ACCEPTED))
                                      .group_by(Message.customer_id)).all()
    assert len(per_customer) == CUSTOMERS and {count for _, count in per_customer} == {1}
    skipped = db.session.scalars(select(Message).where(Message.status == MessageStatus.SKIPPED)).all()
    assert len(skipped) == CUSTOMERS
    assert all(m.reason.startswith("Frequency cap: 1 messages") for m in skipped)
    assert sorted(m.to for m in smtp.messages) == [f"r{n:02}@example.com" for n in range(CUSTOMERS)]
    assert sum(r["sent"] for r in results) == CUSTOMERS and sum(r["skipped"] for r in results) == CUSTOMERS
    assert {len(q.recent) for q in db.session.scalars(select(CustomerSendQuota))} == {1}


def test_the_cap_counts_across_several_campaigns_up_to_its_value(app, user, smtp, settings, queued):
    settings(MAX_MESSAGES_PER_CUSTOMER_PER_DAY=2, EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    for n in range(10):
        make_customer(account, email=f"t{n}@example.com")
    sends = [_started(account, user, f"Campaign {k}") for k in range(3)]

    _race(app, sends)

    db.session.expire_all()
    counts = db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    assert dict(counts) == {MessageStatus.SENT: 20, MessageStatus.SKIPPED: 10}
    assert len(smtp.messages) == 20


def test_a_message_that_is_not_sent_gives_its_slot_back(user, smtp, settings, queued):
    settings(MAX_MESSAGES_PER_CUSTOMER_PER_DAY=1, EMAIL_RATE_PER_SECOND=1_000_000, MESSAGING_MAX_ATTEMPTS=5)
    account = own_account(user)
    make_customer(account, email="flaky@example.com")
    make_customer(account, email="steady@example.com")
    smtp.answer("flaky@example.com", "451 4.3.0 Try again later")
    first = _started(account, user, "First")

    # A temporary failure releases the chunk: the retry takes the slot again rather than a second one.
    with pytest.raises(RetryableIntegrationError):
        messaging_dispatch.send_batch(first, 0)
    assert _slots_taken() == _sent_per_customer()
    messaging_dispatch.send_batch(first, 0)
    assert _slots_taken() == _sent_per_customer() and set(_slots_taken().values()) == {1}
    assert sorted(m.to for m in smtp.messages) == ["flaky@example.com", "steady@example.com"]

    # The cap now holds both customers for a day; a later campaign skips them.
    second = _started(account, user, "Second")
    assert messaging_dispatch.send_batch(second, 0)["skipped"] == 2
    assert len(smtp.messages) == 2


def test_a_failed_message_does_not_count_toward_the_cap(user, smtp, settings, queued):
    settings(MAX_MESSAGES_PER_CUSTOMER_PER_DAY=1, EMAIL_RATE_PER_SECOND=1_000_000)
    account = own_account(user)
    make_customer(account, email="later@example.com")
    bad = make_email_campaign(account, user, name="Bad", content={"en": {
        "subject": "Hi", "body": "{{ attributes.missing.deeper }}"}})
    messaging.send_now(bad, actor=user)
    send_id = str(db.session.scalar(select(CampaignSend.id).where(CampaignSend.campaign_id == bad.id)))
    messaging.start_send(send_id)

    assert messaging_dispatch.send_batch(send_id, 0)["failed"] == 1
    assert _slots_taken() == {}
    assert messaging_dispatch.send_batch(_started(account, user, "Good"), 0)["sent"] == 1
    assert [m.to for m in smtp.messages] == ["later@example.com"]
