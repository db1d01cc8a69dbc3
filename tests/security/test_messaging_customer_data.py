"""A customer's own data reaches the campaign's template (imported `attributes`, a name): data that makes the
template raise must cost that customer's message and nothing more. Before, it stopped the batch with the messages
already sent unrecorded, so every resume after the lease sent the same campaign to the others again."""
import pytest

from app.extensions import db
from app.models import CampaignSend, Message
from app.services import messaging, messaging_dispatch
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign
from tests.servers import SmtpServer


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


def test_customer_data_that_breaks_the_template_fails_one_message_and_resends_nothing(
        user, smtp_server, config, monkeypatch):
    smtp_server.reset()
    config(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None)
    monkeypatch.setattr(messaging_dispatch, "enqueue", lambda *args, **options: None)
    account = own_account(user)
    for name, n in (("ana", 1), ("mallory", 0), ("eva", 2), ("ivy", "x" * 10_000)):
        make_customer(account, email=f"{name}@example.com", attributes={"n": n})
    content = {"en": {"subject": "Hi", "body": "{{ 100 // attributes.n }}"}}
    campaign = make_email_campaign(account, user, content=content)
    messaging.send_now(campaign, actor=user)
    send_id = str(db.session.query(CampaignSend.id).scalar())
    messaging.start_send(send_id)

    messaging_dispatch.send_batch(send_id, 0)
    messaging_dispatch.send_batch(send_id, 0)  # a duplicate task, or a resume after the lease, finds nothing to send

    assert sorted(m.to for m in smtp_server.messages) == ["ana@example.com", "eva@example.com"]
    db.session.expire_all()
    failed = {m.to_address: m.reason for m in db.session.query(Message).filter_by(status="failed")}
    assert set(failed) == {"mallory@example.com", "ivy@example.com"}
    assert "ZeroDivisionError" in failed["mallory@example.com"] and "TypeError" in failed["ivy@example.com"]
    assert db.session.get(CampaignSend, send_id).status.value == "completed"
