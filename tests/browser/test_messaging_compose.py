"""Composing and following a messaging campaign in Chromium: the audience's live count, content per language with
its live preview, a test send, then the send's notification in the header's dropdown, marked read."""
import re

import pytest
from playwright.sync_api import expect

from app.services import segments
from tests.conftest import _wait_for_idle_worker, wait_for
from tests.factories import own_account, sign_in_page
from tests.messaging.factories import make_customer, make_email_campaign
from tests.servers import SmtpServer

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, config):
    smtp_server.reset()
    config(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port, SMTP_SECURITY="none", SMTP_USER=None,
           SMTP_FROM="Shop <news@shop.example.com>", PUBLIC_URL="http://links.example.com")
    yield smtp_server
    _wait_for_idle_worker()  # batches left to the worker finish under these settings


def test_a_marketer_composes_previews_tests_and_hears_when_the_send_is_done(page, screenshot, console, user, smtp,
                                                                          celery_worker):
    account = own_account(user)
    for n, city in enumerate(["Madrid", "Madrid", "Sevilla", "Bilbao"]):
        make_customer(account, email=f"c{n}@example.com", first_name=["Lucía", "Marta", "Pablo", "Iker"][n],
                      city=city, language="es" if n % 2 == 0 else "en")
    madrid = segments.create_segment(account, actor=user, name="Madrid", rules={
        "match": "all", "conditions": [{"field": "city", "op": "eq", "value": "Madrid"}]})
    campaign = make_email_campaign(account, user, name="Rebajas de invierno",
                                   content={"en": {"subject": "Winter sale, {{ first_name }}",
                                                   "body": "Hi {{ first_name }},\n\nEverything -30% at https://shop.example.com/sale"}})
    sign_in_page(page, user)

    page.goto(f"/campaigns/{campaign.id}/sending")
    page.click("#compose-link")
    page.wait_for_load_state()
    expect(page.locator("#audience-count")).to_have_text("4")
    page.select_option("#audience", str(madrid.id))
    expect(page.locator("#audience-count")).to_have_text("2")  # counted live, no reload

    page.select_option("#contents-1-language", "es")
    page.fill("#contents-1-subject", "Rebajas, {{ first_name }}")
    page.fill("#contents-1-body", "<p>Hola <b>{{ first_name }}</b>: todo al -30 % en "
                                  "<a href=\"https://shop.example.com/rebajas\">la tienda</a>.</p>")
    # Rendered for the audience's first customer: one of Madrid's two.
    expect(page.locator('.preview-item[data-language="es"] .preview-subject')).to_contain_text(
        re.compile(r"Rebajas, (Lucía|Marta)"))
    frame = page.frame_locator('.preview-item[data-language="es"] iframe')
    expect(frame.locator("b")).to_have_text(re.compile(r"^(Lucía|Marta)$"))
    expect(page.frame_locator('.preview-item[data-language="en"] iframe').locator("a").first).to_contain_text(
        "https://shop.example.com/sale")
    # A viewport as tall as the page: a full-page capture that resizes it leaves the preview frames blank.
    page.set_viewport_size({"width": 1280, "height": 1850})
    screenshot("messaging_compose")
    page.set_viewport_size({"width": 1280, "height": 860})

    page.fill("#test_address", "me@example.com")
    page.select_option("#test_language", "es")
    page.click("#send-test")
    expect(page.locator("#test-result")).to_contain_text("Test sent to me@example.com")
    wait_for(lambda: len(smtp.to("me@example.com")) == 1, timeout=10)
    assert re.fullmatch(r"\[Test\] Rebajas, (Lucía|Marta)", smtp.to("me@example.com")[0].message["Subject"])

    page.wait_for_load_state("networkidle")  # the last live preview answered: saving does not cut it off
    page.click("#save-content")
    expect(page.locator(".alert-success")).to_contain_text("Content and audience saved")
    page.click("#to-sending")
    expect(page.locator("#content-summary")).to_contain_text("Madrid")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#send-now")
    wait_for(lambda: len(smtp.messages) == 3, timeout=20)  # the test, then Madrid's two customers
    page.wait_for_selector("#send-counts", timeout=20_000)  # the page reloads itself when the send completes
    screenshot("messaging_compose_sent")

    page.reload()
    expect(page.locator("#notifications-unread")).to_have_text("1")
    page.click("#notifications-toggle")
    expect(page.locator("#notifications-menu")).to_be_visible()
    expect(page.locator("#notifications-menu .notification-item.unread")).to_contain_text("Rebajas de invierno")
    screenshot("messaging_notifications_dropdown")
    page.click("#notifications-read-all button")
    expect(page.locator("#notifications-unread")).to_be_hidden()
    expect(page.locator("#notifications-menu .notification-item.unread")).to_have_count(0)

    page.goto("/")
    expect(page.locator(".stat", has_text="Messages sent")).to_contain_text("2")
    screenshot("messaging_dashboard")
    page.click("text=Messages")  # the sidebar's entry
    expect(page.locator("#sends tbody tr")).to_have_count(1)
    expect(page.locator("#sends tbody")).to_contain_text("2 / 2")
    screenshot("messaging_index")
    page.click("#notifications-toggle")
    page.click("text=See all")
    expect(page.locator("#notifications-list tbody tr")).to_have_count(1)
    screenshot("messaging_notifications_page")
    assert console.problems == []


def test_the_message_log_filters_by_status_and_address(page, screenshot, user, smtp, celery_worker):
    account = own_account(user)
    for name in ("ana", "bea", "carla"):
        make_customer(account, email=f"{name}@example.com")
    make_customer(account, email="nobody@example.com", consent=False)
    campaign = make_email_campaign(account, user)
    sign_in_page(page, user)
    page.goto(f"/campaigns/{campaign.id}/sending")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#send-now")
    wait_for(lambda: len(smtp.messages) == 3, timeout=20)
    page.wait_for_selector("#send-counts", timeout=20_000)

    page.click("text=Message log")
    page.wait_for_load_state()
    expect(page.locator("#messages tbody tr")).to_have_count(3)
    page.fill("#to", "BEA")
    page.click("#message-filters button")
    expect(page.locator("#messages tbody tr")).to_have_count(1)
    expect(page.locator("#messages tbody")).to_contain_text("bea@example.com")
    screenshot("messaging_message_log_filtered")


def test_whatsapp_content_is_a_free_form_body_or_an_approved_template(page, screenshot, console, user, config):
    from app.services import campaigns, customers

    config(TWILIO_ACCOUNT_SID=None)  # the console provider: a test send is written to the log
    account = own_account(user)
    customers.create_customer(account, actor=None, phone="+34600111222", first_name="Ana",
                              consent={"whatsapp": True})
    campaign = campaigns.create_campaign(account, actor=user, name="WhatsApp promo", channel="whatsapp", budget=10,
                                         content={"en": {"body": "Hi {{ first_name }}, your order is ready."}})
    sign_in_page(page, user)

    page.goto(f"/campaigns/{campaign.id}/compose")
    page.wait_for_load_state()
    expect(page.locator("#audience-count")).to_have_text("1")
    expect(page.locator('.preview-item[data-language="en"] .whatsapp-bubble')).to_have_text(
        "Hi Ana, your order is ready.")
    page.select_option("#contents-1-language", "es")
    page.fill("#contents-1-content_sid", "HX" + "ab" * 16)
    page.fill("#contents-1-variables", "1 = {{ first_name }}\n2 = 20 %")
    expect(page.locator('.preview-item[data-language="es"] .whatsapp-bubble')).to_contain_text("= Ana")
    page.fill("#test_address", "+34 600 111 999")
    page.select_option("#test_language", "es")
    page.click("#send-test")
    expect(page.locator("#test-result")).to_contain_text("Test sent to +34 600 111 999")
    page.set_viewport_size({"width": 1280, "height": 1600})
    screenshot("messaging_compose_whatsapp")
    preview, form_column = page.locator("#preview").bounding_box(), page.locator("#audience-section").bounding_box()
    assert preview["x"] > form_column["x"] + form_column["width"]  # beside the form, not pushed under it
    page.wait_for_load_state("networkidle")
    page.click("#save-content")
    expect(page.locator(".alert-success")).to_contain_text("Content and audience saved")
    assert console.problems == []
