"""WhatsApp through the official Twilio SDK against a local Twilio-compatible server: templates, the 24-hour
window, status callbacks and inbound messages with the SDK's signature check, opt-out words, retries."""
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Customer, Suppression
from app.services import campaigns, customers
from tests.conftest import wait_for
from tests.factories import own_account

TEMPLATE = {"en": {"content_sid": "HX" + "ab" * 16, "variables": {"1": "{{ first_name }}", "2": "20%"}}}
FREE_FORM = {"en": {"body": "Hi {{ first_name }}, your order is ready."}}


def _customer(account, phone, name="Ana", consent=True):
    return customers.create_customer(account, actor=None, phone=phone, first_name=name,
                                     consent={"whatsapp": consent})


def _campaign(account, user, content, name="WhatsApp promo"):
    return campaigns.create_campaign(account, actor=user, name=name, channel="whatsapp", budget=10, content=content)


def _send(owner_api, campaign):
    assert owner_api.post(f"/campaigns/{campaign.id}/send").status_code == 202

    def done():
        db.session.expire_all()
        state = owner_api.get(f"/campaigns/{campaign.id}/send").json
        return state if state["status"] in ("completed", "failed") else None
    return wait_for(done, timeout=20)


def _signed_post(client, twilio, path, params):
    signature = RequestValidator(twilio.auth_token).compute_signature(f"http://links.test{path}", params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def test_an_approved_template_goes_as_content_sid_and_variables(owner_api, user, twilio, celery_worker):
    account = own_account(user)
    _customer(account, "+34600111222", "Ana")
    _customer(account, "+34600111333", "Sin", consent=False)
    campaign = _campaign(account, user, TEMPLATE)

    state = _send(owner_api, campaign)

    assert state["counts"]["sent"] == 1 and state["recipients"] == 1
    [sent] = twilio.messages
    assert (sent.to, sent.sender) == ("+34600111222", "whatsapp:+14155238886")
    assert sent.content_sid == TEMPLATE["en"]["content_sid"] and sent.variables == {"1": "Ana", "2": "20%"}
    assert sent.body is None and sent.status_callback == "http://links.test/hooks/twilio/status"
    message = owner_api.get(f"/campaigns/{campaign.id}/messages").json["messages"][0]
    assert message["provider_id"] == sent.sid and message["channel"] == "whatsapp"


def test_free_form_text_goes_only_inside_the_24_hour_window(owner_api, user, twilio, client, celery_worker):
    account = own_account(user)
    _customer(account, "+34600000001", "Inside")
    _customer(account, "+34600000002", "Outside")
    assert _signed_post(client, twilio, "/hooks/twilio/inbound",
                        {"From": "whatsapp:+34600000001", "Body": "Hola", "MessageSid": "SMin1"}).status_code == 200
    campaign = _campaign(account, user, FREE_FORM)

    state = _send(owner_api, campaign)

    assert [(m.to, m.body) for m in twilio.messages] == [("+34600000001", "Hi Inside, your order is ready.")]
    assert state["counts"]["sent"] == 1 and state["counts"]["skipped"] == 1
    skipped = owner_api.get(f"/campaigns/{campaign.id}/messages?status=skipped").json["messages"][0]
    assert "24-hour" in skipped["reason"]


def test_status_callbacks_move_messages_forward_only(owner_api, user, twilio, client, celery_worker):
    account = own_account(user)
    _customer(account, "+34600000003")
    campaign = _campaign(account, user, TEMPLATE)
    _send(owner_api, campaign)
    sid = twilio.messages[0].sid

    def status():
        return owner_api.get(f"/campaigns/{campaign.id}/messages").json["messages"][0]

    _signed_post(client, twilio, "/hooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"})
    delivered = status()
    _signed_post(client, twilio, "/hooks/twilio/status", {"MessageSid": sid, "MessageStatus": "read"})
    late = _signed_post(client, twilio, "/hooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"})

    assert delivered["status"] == "delivered" and delivered["delivered_at"]
    assert late.status_code == 204 and status()["status"] == "read" and status()["read_at"]


def test_callbacks_without_twilios_signature_are_refused(client, twilio):
    params = {"MessageSid": "SMx", "MessageStatus": "read"}
    forged = RequestValidator("not-the-token").compute_signature("http://links.test/hooks/twilio/status", params)

    assert client.post("/hooks/twilio/status", data=params).status_code == 403
    assert client.post("/hooks/twilio/status", data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert client.post("/hooks/twilio/inbound", data={"From": "whatsapp:+1", "Body": "STOP"}).status_code == 403


def test_an_opt_out_word_withdraws_whatsapp_consent_and_later_sends_skip(owner_api, user, twilio, client,
                                                                        celery_worker):
    account = own_account(user)
    _customer(account, "+34600000004", "Leaver")
    _customer(account, "+34600000005", "Stayer")

    _signed_post(client, twilio, "/hooks/twilio/inbound", {"From": "whatsapp:+34600000004", "Body": " baja "})
    state = _send(owner_api, _campaign(account, user, TEMPLATE))

    db.session.expire_all()
    leaver = db.session.query(Customer).filter_by(phone="+34600000004").one()
    assert leaver.whatsapp_consent is False and leaver.whatsapp_consent_source == "whatsapp reply BAJA"
    assert state["recipients"] == 1 and [m.to for m in twilio.messages] == ["+34600000005"]


def test_twilio_429_and_5xx_retry_and_an_invalid_number_is_suppressed(owner_api, user, twilio, celery_worker):
    account = own_account(user)
    _customer(account, "+34600000006", "Busy")
    _customer(account, "+34600000007", "Invalid")
    twilio.answer("+34600000006", (429, 20429), (503, None))
    twilio.answer("+34600000007", (400, 21211))
    campaign = _campaign(account, user, TEMPLATE)

    state = _send(owner_api, campaign)

    assert state["counts"]["sent"] == 1 and state["counts"]["failed"] == 1
    assert [m.to for m in twilio.messages] == ["+34600000006"]
    failed = owner_api.get(f"/campaigns/{campaign.id}/messages?status=failed").json["messages"][0]
    assert "21211" in failed["reason"]
    assert db.session.query(Suppression).filter_by(channel="whatsapp", address="+34600000007").count() == 1


def test_whatsapp_content_must_be_a_body_or_an_approved_template(owner_api, user):
    account = own_account(user)
    bad_sid = _campaign(account, user, {"en": {"content_sid": "nope", "variables": {}}}, name="Bad sid")
    empty = _campaign(account, user, {"en": {}}, name="Empty")

    response = owner_api.post(f"/campaigns/{bad_sid.id}/send")

    assert response.status_code == 422 and "content_sid" in response.json["details"]["content"]["en"]
    assert owner_api.post(f"/campaigns/{empty.id}/send").status_code == 422
