"""Sending an email campaign end to end: fan-out, batches through a real worker, a real SMTP server receiving."""
import pytest

from app.extensions import db
from app.models import Message, MessageStatus
from tests.conftest import wait_for
from tests.factories import own_account
from tests.messaging.factories import make_customer, make_email_campaign
from tests.servers import SmtpServer


def _completed(owner_api, campaign_id):
    def check():
        db.session.expire_all()  # the test shares its session with the test client's requests
        state = owner_api.get(f"/campaigns/{campaign_id}/send").json
        return state if state["status"] in ("completed", "failed") else None
    return check


def test_each_consenting_customer_gets_one_email_in_their_language(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="ana@example.com", first_name="Ana", language="es")
    make_customer(account, email="bob@example.com", first_name="Bob", language="en")
    make_customer(account, email="fra@example.com", first_name="Fra", language="fr")  # no French: the account's
    make_customer(account, email="no@example.com", consent=False)
    make_customer(account, email="never@example.com", consent=None)
    campaign = make_email_campaign(account, user)

    response = owner_api.post(f"/campaigns/{campaign.id}/send")
    assert response.status_code == 202, response.json
    state = wait_for(_completed(owner_api, campaign.id))

    assert state["status"] == "completed", state
    assert state["counts"]["sent"] == 3 and state["recipients"] == 3
    assert sorted(m.to for m in smtp.messages) == ["ana@example.com", "bob@example.com", "fra@example.com"]
    assert [m.bare_line_feeds for m in smtp.messages] == [0, 0, 0]  # CRLF only, as SMTP wants
    ana = smtp.to("ana@example.com")[0].message
    assert ana["Subject"] == "Hola Ana"
    assert smtp.to("fra@example.com")[0].message["Subject"] == "Hello Fra"
    assert ana["List-Unsubscribe"].startswith("<http://links.test/u/")
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = smtp.to("ana@example.com")[0].part("text/plain")
    assert "Hola Ana, mira http://links.test/t/c/" in text
    html = smtp.to("ana@example.com")[0].part("text/html")
    assert "http://links.test/t/o/" in html
    messages = owner_api.get(f"/campaigns/{campaign.id}/messages?status=sent").json
    assert messages["total"] == 3
    assert all(m["provider_id"] and m["sent_at"] for m in messages["messages"])
    assert owner_api.get(f"/campaigns/{campaign.id}").json["status"] == "finished"


def _wait(owner_api, campaign_id):
    return wait_for(_completed(owner_api, campaign_id), timeout=20)


def test_a_repeated_send_with_the_same_idempotency_key_sends_once(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    for n in range(3):
        make_customer(account, email=f"c{n}@example.com")
    campaign = make_email_campaign(account, user)

    first = owner_api.post(f"/campaigns/{campaign.id}/send", headers={"Idempotency-Key": "send-1"})
    again = owner_api.post(f"/campaigns/{campaign.id}/send", headers={"Idempotency-Key": "send-1"})
    other = owner_api.post(f"/campaigns/{campaign.id}/send")

    assert first.status_code == again.status_code == 202
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert other.status_code == 409
    assert _wait(owner_api, campaign.id)["counts"]["sent"] == 3
    assert sorted(m.to for m in smtp.messages) == ["c0@example.com", "c1@example.com", "c2@example.com"]


def test_the_audience_is_the_segment_when_one_is_given(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="vip@example.com", tags=["vip"])
    make_customer(account, email="plain@example.com")
    segment = owner_api.post("/segments", json={"name": "VIPs", "rules": {
        "match": "all", "conditions": [{"field": "tags", "op": "contains", "value": "vip"}]}}).json
    campaign = make_email_campaign(account, user, audience={"segment_id": segment["id"]})

    owner_api.post(f"/campaigns/{campaign.id}/send")

    assert _wait(owner_api, campaign.id)["recipients"] == 1
    assert [m.to for m in smtp.messages] == ["vip@example.com"]


def test_a_customer_at_the_frequency_cap_is_skipped_with_the_reason(owner_api, user, smtp, settings, celery_worker):
    settings(MAX_MESSAGES_PER_CUSTOMER_PER_DAY=1)
    account = own_account(user)
    make_customer(account, email="busy@example.com")
    first = make_email_campaign(account, user, name="First")
    second = make_email_campaign(account, user, name="Second")

    owner_api.post(f"/campaigns/{first.id}/send")
    _wait(owner_api, first.id)
    owner_api.post(f"/campaigns/{second.id}/send")
    state = _wait(owner_api, second.id)

    assert state["counts"]["skipped"] == 1 and state["counts"]["sent"] == 0
    message = owner_api.get(f"/campaigns/{second.id}/messages").json["messages"][0]
    assert message["status"] == "skipped" and "Frequency cap" in message["reason"]
    assert len(smtp.messages) == 1


def test_a_temporary_smtp_failure_is_retried_until_the_message_goes(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="slow@example.com")
    make_customer(account, email="fine@example.com")
    smtp.answer("slow@example.com", "451 4.3.0 Try again later", "451 4.3.0 Try again later")
    campaign = make_email_campaign(account, user)

    owner_api.post(f"/campaigns/{campaign.id}/send")
    state = _wait(owner_api, campaign.id)

    assert state["counts"]["sent"] == 2
    assert len(smtp.to("slow@example.com")) == 1 and len(smtp.to("fine@example.com")) == 1
    slow = owner_api.get(f"/campaigns/{campaign.id}/messages?size=10").json["messages"]
    assert {m["to_address"]: m["attempts"] for m in slow}["slow@example.com"] == 3


def test_temporary_failures_give_up_after_the_last_attempt(owner_api, user, smtp, settings, celery_worker):
    settings(MESSAGING_MAX_ATTEMPTS=2)
    account = own_account(user)
    make_customer(account, email="down@example.com")
    smtp.answer("down@example.com", *["451 4.3.0 Mailbox busy"] * 5)
    campaign = make_email_campaign(account, user)

    owner_api.post(f"/campaigns/{campaign.id}/send")
    state = _wait(owner_api, campaign.id)

    assert state["counts"]["failed"] == 1
    message = owner_api.get(f"/campaigns/{campaign.id}/messages").json["messages"][0]
    assert message["status"] == "failed" and "Gave up after 2 attempts" in message["reason"]
    assert "451" in message["reason"]


def test_a_hard_bounce_fails_the_message_and_later_sends_skip_the_address(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="gone@example.com")
    make_customer(account, email="here@example.com")
    smtp.answer("gone@example.com", "550 5.1.1 No such user")
    first = make_email_campaign(account, user, name="First")
    second = make_email_campaign(account, user, name="Second")

    owner_api.post(f"/campaigns/{first.id}/send")
    state = _wait(owner_api, first.id)
    failed = owner_api.get(f"/campaigns/{first.id}/messages?status=failed").json["messages"]
    owner_api.post(f"/campaigns/{second.id}/send")
    later = _wait(owner_api, second.id)

    assert state["counts"]["failed"] == 1 and state["counts"]["sent"] == 1
    assert failed[0]["to_address"] == "gone@example.com" and "550" in failed[0]["reason"]
    assert later["recipients"] == 1
    assert [m.to for m in smtp.messages] == ["here@example.com", "here@example.com"]


def test_the_log_tells_the_send_from_start_to_completion(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    make_customer(account, email="a@example.com")
    campaign = make_email_campaign(account, user)

    owner_api.post(f"/campaigns/{campaign.id}/send")
    _wait(owner_api, campaign.id)
    logs = owner_api.get(f"/campaigns/{campaign.id}/logs").json

    assert [e["event"] for e in logs["logs"]] == ["send_requested", "started", "batch_done", "completed"]
    assert logs["logs"][2]["data"]["sent"] == 1


def test_messages_are_filtered_by_status_and_paged(owner_api, user, smtp, celery_worker):
    account = own_account(user)
    for n in range(5):
        make_customer(account, email=f"p{n}@example.com")
    make_customer(account, email="bad@example.com")
    smtp.answer("bad@example.com", "550 5.1.1 No such user")
    campaign = make_email_campaign(account, user)
    owner_api.post(f"/campaigns/{campaign.id}/send")
    _wait(owner_api, campaign.id)

    page = owner_api.get(f"/campaigns/{campaign.id}/messages?status=sent&size=2&page=3")
    failed = owner_api.get(f"/campaigns/{campaign.id}/messages?status=failed").json

    assert page.json["total"] == 5 and page.json["pages"] == 3 and len(page.json["messages"]) == 1
    assert page.headers["X-Total-Count"] == "5"
    assert [m["to_address"] for m in failed["messages"]] == ["bad@example.com"]
    assert owner_api.get(f"/campaigns/{campaign.id}/messages?status=nope").status_code == 422


def test_only_email_campaigns_with_content_can_be_sent(owner_api, user):
    account = own_account(user)
    empty = make_email_campaign(account, user, content={"en": {"subject": "", "body": "Hi"}})
    broken = make_email_campaign(account, user, name="Broken", content={"en": {"subject": "Hi {{", "body": "x"}})
    ads = owner_api.post("/campaigns", json={"name": "Ads", "budget": 10}).json

    assert owner_api.post(f"/campaigns/{empty.id}/send").status_code == 422
    response = owner_api.post(f"/campaigns/{broken.id}/send")
    assert response.status_code == 422 and "en" in response.json["details"]["content"]
    assert owner_api.post(f"/campaigns/{ads['id']}/send").status_code == 409


@pytest.mark.parametrize("body", ["{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ config }}"])
def test_templates_cannot_reach_into_the_app(owner_api, user, smtp, celery_worker, body):
    account = own_account(user)
    make_customer(account, email="t@example.com")
    campaign = make_email_campaign(account, user, content={"en": {"subject": "Hi", "body": body}})

    owner_api.post(f"/campaigns/{campaign.id}/send")
    _wait(owner_api, campaign.id)

    for received in smtp.messages:
        assert "SECRET" not in received.part("text/plain") and "subclasses" not in received.part("text/plain")
    statuses = {m.status for m in db.session.query(Message).all()}
    assert statuses <= {MessageStatus.SENT, MessageStatus.FAILED}


@pytest.mark.parametrize("body", ["Your share: {{ 10 // attributes.n }}", "{{ first_name + attributes.n }}"])
def test_content_that_fails_for_one_customer_fails_that_message_alone(owner_api, user, smtp, celery_worker, body):
    # Whatever a template raises for one recipient (1 // 0, text + number) is that message's failure, with the reason:
    # the batch goes on, and what it sent before is recorded, so nobody gets it twice.
    account = own_account(user)
    for name, n in (("ana", 2), ("zero", 0), ("eva", 5)):
        make_customer(account, email=f"{name}@example.com", attributes={"n": n})
    campaign = make_email_campaign(account, user, content={"en": {"subject": "Hi", "body": body}})

    owner_api.post(f"/campaigns/{campaign.id}/send")
    state = _wait(owner_api, campaign.id)

    failed = owner_api.get(f"/campaigns/{campaign.id}/messages?status=failed").json["messages"]
    if "//" in body:
        assert state["counts"] == {**state["counts"], "sent": 2, "failed": 1}, state
        assert sorted(m.to for m in smtp.messages) == ["ana@example.com", "eva@example.com"]
        assert failed[0]["to_address"] == "zero@example.com" and "ZeroDivisionError" in failed[0]["reason"]
    else:
        assert state["counts"] == {**state["counts"], "sent": 0, "failed": 3}, state
        assert "could not be rendered" in failed[0]["reason"] and "TypeError" in failed[0]["reason"]
    assert state["status"] == "completed"


def _send_to_jose_and_ana(owner_api, user):
    """A campaign sent to a customer whose address is beyond ASCII and to one whose address is not; its end state."""
    account = own_account(user)
    make_customer(account, email="josé@example.com", first_name="José")
    make_customer(account, email="ana@example.com", first_name="Ana")
    campaign = make_email_campaign(account, user)
    assert owner_api.post(f"/campaigns/{campaign.id}/send").status_code == 202
    return campaign, wait_for(_completed(owner_api, campaign.id))


def test_an_address_beyond_ascii_goes_out_in_utf8_to_a_server_that_takes_it(owner_api, user, smtp, celery_worker):
    _, state = _send_to_jose_and_ana(owner_api, user)

    assert state["counts"]["sent"] == 2, state
    received = smtp.to("josé@example.com")[0]
    assert received.mail_from == "news@shop.test"
    assert received.message["To"] == "josé@example.com"
    assert smtp.to("ana@example.com")[0].message["Subject"] == "Hello Ana"


def test_an_address_beyond_ascii_fails_alone_where_the_server_cannot_take_it(owner_api, user, smtp, settings,
                                                                                celery_worker):
    ascii_only = SmtpServer(smtputf8=False).start()
    try:
        settings(SMTP_PORT=ascii_only.port)
        campaign, state = _send_to_jose_and_ana(owner_api, user)
    finally:
        ascii_only.stop()

    assert state["status"] == "completed" and state["counts"]["sent"] == 1 and state["counts"]["failed"] == 1, state
    assert [m.to for m in ascii_only.messages] == ["ana@example.com"]
    failed = owner_api.get(f"/campaigns/{campaign.id}/messages?status=failed").json["messages"]
    assert failed[0]["to_address"] == "josé@example.com" and "SMTPUTF8" in failed[0]["reason"], failed
