"""The compose page: audience and content saved through the service, the live count, the preview as the sender
renders it, the test send to one address through the real channel (rate-limited, editors only)."""
import re

from app.extensions import db
from app.models import ActivityEvent, Campaign, CampaignSend, SendStatus
from app.services import segments
from tests.factories import own_account, sign_in
from tests.messaging.factories import make_customer, make_email_campaign


def _form(**fields):
    data = {"audience": "", "contents-0-language": "en", "contents-0-subject": "Hi {{ first_name }}",
            "contents-0-body": "Dear {{ first_name }}, see https://shop.test/x", "contents-1-language": "",
            "contents-1-subject": "", "contents-1-body": ""}
    data.update(fields)
    return data


def test_compose_saves_audience_and_content_per_language(client, user):
    account = own_account(user)
    segment = segments.create_segment(account, actor=user, name="Madrid",
                                      rules={"match": "all", "conditions": [{"field": "city", "op": "eq", "value": "Madrid"}]})
    campaign = make_email_campaign(account, user, content={"en": {"subject": "x", "body": "y"}})
    sign_in(client, user)

    saved = client.post(f"/campaigns/{campaign.id}/compose", data=_form(
        audience=str(segment.id), **{"contents-1-language": "es", "contents-1-subject": "Hola {{ first_name }}",
                                     "contents-1-body": "Hola"}))
    page = client.get(f"/campaigns/{campaign.id}/compose").get_data(as_text=True)

    assert saved.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Campaign, campaign.id)
    assert stored.audience == {"segment_id": str(segment.id)}
    assert stored.content == {"en": {"subject": "Hi {{ first_name }}", "body": "Dear {{ first_name }}, see https://shop.test/x"},
                              "es": {"subject": "Hola {{ first_name }}", "body": "Hola"}}
    assert "Hola {{ first_name }}" in page.replace("&#34;", '"') or "Hola {{ first_name }}" in page
    assert db.session.query(ActivityEvent).filter_by(name="campaign.updated").count() == 1


def test_compose_puts_service_errors_next_to_the_rows(client, user):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)

    broken = client.post(f"/campaigns/{campaign.id}/compose", data=_form(**{"contents-0-subject": "",
                                                                         "contents-0-body": "{{ oops"}))
    twice = client.post(f"/campaigns/{campaign.id}/compose", data=_form(**{
        "contents-1-language": "en", "contents-1-subject": "again", "contents-1-body": "again"}))
    unlabelled = client.post(f"/campaigns/{campaign.id}/compose", data=_form(**{"contents-1-body": "who?"}))

    assert broken.status_code == 422
    html = broken.get_data(as_text=True)
    assert 'id="contents-0-subject-errors"' in html and 'id="contents-0-body-errors"' in html
    assert "Template error" in html
    assert twice.status_code == 422 and "given twice" in twice.get_data(as_text=True)
    assert unlabelled.status_code == 422 and "Pick the language" in unlabelled.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).content["en"]["subject"] == "Hello {{ first_name }}"  # unchanged


def test_content_cannot_change_once_the_send_started(client, user):
    campaign = make_email_campaign(own_account(user), user)
    db.session.add(CampaignSend(account_id=campaign.account_id, campaign_id=campaign.id, channel="email",
                                status=SendStatus.SENDING, send_at=campaign.created_at))
    db.session.commit()
    sign_in(client, user)

    response = client.post(f"/campaigns/{campaign.id}/compose", data=_form())

    assert response.status_code == 409 and "can no longer change" in response.get_data(as_text=True)


def test_the_live_count_follows_the_audience_picked(client, user):
    account = own_account(user)
    make_customer(account, email="a@example.com", city="Madrid")
    make_customer(account, email="b@example.com", city="Sevilla")
    make_customer(account, email="c@example.com", city="Madrid", consent=False)
    segment = segments.create_segment(account, actor=user, name="Madrid",
                                      rules={"match": "all", "conditions": [{"field": "city", "op": "eq", "value": "Madrid"}]})
    campaign = make_email_campaign(account, user)
    sign_in(client, user)
    url = f"/campaigns/{campaign.id}/compose/count"

    everyone = client.post(url, data={"audience": ""}).json
    madrid = client.post(url, data={"audience": str(segment.id)}).json
    unknown = client.post(url, data={"audience": "00000000-0000-0000-0000-000000000000"})

    assert everyone == {"count": 2} and madrid == {"count": 1}
    assert unknown.status_code == 422 and unknown.json["error"].startswith("Unknown segment")


def test_the_preview_renders_each_language_for_the_first_customer(client, user):
    account = own_account(user)
    make_customer(account, email="lucia@example.com", first_name="Lucía")
    campaign = make_email_campaign(account, user)
    sign_in(client, user)

    answer = client.post(f"/campaigns/{campaign.id}/compose/preview", headers={"Accept": "application/json"},
                         data=_form(**{"contents-1-language": "es", "contents-1-subject": "{{ ''.__class__.__mro__ }}",
                                       "contents-1-body": "<p>Hola <b>{{ first_name }}</b> <script>x()</script></p>"}))

    preview = answer.json
    assert answer.status_code == 200 and preview["recipient"] == "Lucía"
    assert preview["languages"]["en"]["subject"] == "Hi Lucía"
    assert "https://shop.test/x" in preview["languages"]["en"]["html"]  # links as written, not tracked
    assert "/t/c/" not in preview["languages"]["en"]["html"] and "/t/o/" not in preview["languages"]["en"]["html"]
    assert "error" in preview["languages"]["es"]  # the sandbox refuses __class__
    assert 'sandbox=""' in preview["html"] and "<script>x()" not in preview["html"]


def test_content_that_fails_when_rendered_is_an_error_in_the_preview_and_the_test_send(client, user, smtp):
    account = own_account(user)
    make_customer(account, email="lucia@example.com", first_name="Lucía")
    campaign = make_email_campaign(account, user)
    sign_in(client, user)
    broken = {"contents-0-subject": "{{ first_name + 1 }}"}

    preview = client.post(f"/campaigns/{campaign.id}/compose/preview", headers={"Accept": "application/json"},
                          data=_form(**broken))
    test = client.post(f"/campaigns/{campaign.id}/compose/test", headers={"Accept": "application/json"},
                       data=_form(test_address="me@example.com", test_language="en", **broken))

    assert preview.status_code == 200 and "TypeError" in preview.json["languages"]["en"]["error"]
    assert test.status_code == 422 and "TypeError" in test.json["error"], test.json
    assert smtp.messages == []


def test_without_javascript_the_preview_button_shows_the_page_with_the_preview(client, user):
    campaign = make_email_campaign(own_account(user), user)
    sign_in(client, user)

    answer = client.post(f"/campaigns/{campaign.id}/compose/preview", data=_form(**{"contents-0-subject": "Unsaved!"}))

    assert answer.status_code == 200 and "Unsaved!" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).content["en"]["subject"] == "Hello {{ first_name }}"


def test_a_test_send_goes_through_smtp_to_one_address_only(client, user, smtp):
    account = own_account(user)
    make_customer(account, email="real@example.com", first_name="Real")
    campaign = make_email_campaign(account, user)
    sign_in(client, user)

    answer = client.post(f"/campaigns/{campaign.id}/compose/test", headers={"Accept": "application/json"},
                         data=_form(test_address="Me@Example.com", test_language="en"))

    assert answer.status_code == 200, answer.json
    assert "me@example.com" in answer.json["message"].lower()
    assert len(smtp.messages) == 1
    sent = smtp.messages[0].message
    assert sent["To"] == "me@example.com" and sent["Subject"] == "[Test] Hi Real"
    assert smtp.messages[0].bare_line_feeds == 0
    assert "https://shop.test/x" in sent.get_body(("plain",)).get_content()
    assert db.session.query(ActivityEvent).filter_by(name="messaging.test_sent").count() == 1
    assert db.session.query(CampaignSend).count() == 0  # nothing was sent to the audience


def test_the_message_log_filters_by_address(client, user, smtp, celery_worker):
    from tests.conftest import wait_for

    account = own_account(user)
    for name in ("ana", "bea", "carla"):
        make_customer(account, email=f"{name}@example.com")
    campaign = make_email_campaign(account, user)
    sign_in(client, user)
    client.post(f"/campaigns/{campaign.id}/sending/now")
    wait_for(lambda: client.get(f"/campaigns/{campaign.id}/sending/status.json").json["status"] == "completed",
             timeout=20)

    page = client.get(f"/campaigns/{campaign.id}/sending/messages?to=BEA").get_data(as_text=True)
    none = client.get(f"/campaigns/{campaign.id}/sending/messages?to=%25").get_data(as_text=True)

    assert "bea@example.com" in page and "ana@example.com" not in page
    assert re.search(r"1 in all", page)
    assert "Nothing matches these filters" in none


def test_whatsapp_content_is_a_template_or_a_body_and_a_test_goes_through_twilio(client, user, twilio):
    from app.services import campaigns, customers

    account = own_account(user)
    customers.create_customer(account, actor=None, phone="+34600111222", first_name="Ana",
                              consent={"whatsapp": True})
    campaign = campaigns.create_campaign(account, actor=user, name="WA", channel="whatsapp", budget=10,
                                         content={"en": {"body": "Hi"}})
    sign_in(client, user)
    sid = "HX" + "ab" * 16
    data = {"audience": "", "contents-0-language": "en", "contents-0-body": "", "contents-0-content_sid": sid,
            "contents-0-variables": "1 = {{ first_name }}\n2 = 20%", "contents-1-language": "es",
            "contents-1-body": "Hola {{ first_name }}", "contents-1-content_sid": "", "contents-1-variables": ""}

    page = client.get(f"/campaigns/{campaign.id}/compose").get_data(as_text=True)
    saved = client.post(f"/campaigns/{campaign.id}/compose", data=data)
    bad = client.post(f"/campaigns/{campaign.id}/compose", data={**data, "contents-0-content_sid": "HX1"})
    tested = client.post(f"/campaigns/{campaign.id}/compose/test", headers={"Accept": "application/json"},
                         data={**data, "test_address": "+34 600 111 999", "test_language": "en"})

    assert 'name="contents-0-content_sid"' in page and 'name="contents-0-subject"' not in page
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).content == {
        "en": {"content_sid": sid, "variables": {"1": "{{ first_name }}", "2": "20%"}},
        "es": {"body": "Hola {{ first_name }}"}}
    assert bad.status_code == 422 and 'id="contents-0-content_sid-errors"' in bad.get_data(as_text=True)
    assert tested.status_code == 200, tested.json
    [sent] = twilio.messages
    assert sent.to == "+34600111999" and sent.content_sid == sid and sent.variables == {"1": "Ana", "2": "20%"}
